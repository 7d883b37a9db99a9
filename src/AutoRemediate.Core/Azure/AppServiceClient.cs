using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using AutoRemediate.Alerts;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Azure;

/// <summary>Reads and changes App Service resources through Azure Resource Manager.</summary>
public interface IAppServiceClient
{
    /// <summary>Gets a site (<c>GET Microsoft.Web/sites/{site}</c>).</summary>
    /// <exception cref="RequestFailedException">ARM answered with an error status.</exception>
    Task<SiteInfo> GetSiteAsync(string siteResourceId, CancellationToken cancellationToken = default);
}

/// <summary>The parts of a site the pipeline uses.</summary>
/// <param name="Id">The resource id.</param>
/// <param name="Name">The site name.</param>
/// <param name="Kind">e.g. <c>app</c>, <c>app,linux</c>.</param>
/// <param name="Location">The Azure region.</param>
/// <param name="State">e.g. <c>Running</c>, <c>Stopped</c>.</param>
/// <param name="ServerFarmId">The App Service plan the site runs on.</param>
/// <param name="DefaultHostName">The default host name.</param>
public sealed record SiteInfo(string Id, string Name, string? Kind, string? Location, string? State, string? ServerFarmId, string? DefaultHostName);

/// <summary>Options for <see cref="AppServiceClient"/>'s Azure.Core pipeline (retries, diagnostics).</summary>
public sealed class AppServiceClientOptions : ClientOptions
{
}

/// <summary>
/// <see cref="IAppServiceClient"/> over Azure.Core's <see cref="HttpPipeline"/> with
/// <see cref="BearerTokenAuthenticationPolicy"/>: the same pipeline the Azure SDKs use (retries with
/// Retry-After, logging, telemetry), because Azure.ResourceManager.AppService is not available to us.
/// </summary>
public sealed class AppServiceClient : IAppServiceClient
{
    private readonly HttpPipeline _pipeline;
    private readonly Uri _endpoint;
    private readonly string _apiVersion;

    /// <summary>Creates the client.</summary>
    public AppServiceClient(TokenCredential credential, IOptions<AzureOptions> options, AppServiceClientOptions clientOptions)
    {
        ArgumentNullException.ThrowIfNull(options);
        _endpoint = options.Value.ResourceManagerEndpoint;
        _apiVersion = options.Value.WebApiVersion;
        var scope = new Uri(_endpoint, "/.default").ToString();
        if (_endpoint.IsLoopback)
        {
            // The Sandbox stands in for ARM; tokens for it are requested with ARM's scope.
            scope = "https://management.azure.com/.default";
        }

        _pipeline = HttpPipelineBuilder.Build(clientOptions, new BearerTokenAuthenticationPolicy(credential, scope));
    }

    /// <inheritdoc />
    public async Task<SiteInfo> GetSiteAsync(string siteResourceId, CancellationToken cancellationToken = default)
    {
        if (!ResourceIds.TryParse(siteResourceId, out var id) || ResourceIds.KindOf(id!) is not (TargetKind.Site or TargetKind.Slot))
        {
            throw new ArgumentException($"'{siteResourceId}' is not a Microsoft.Web/sites or sites/slots resource id.", nameof(siteResourceId));
        }

        using var message = CreateMessage(RequestMethod.Get, id!.ToString());
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.IsError)
        {
            throw new RequestFailedException(response);
        }

        using var document = await JsonDocument.ParseAsync(response.ContentStream!, cancellationToken: cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        var properties = root.TryGetProperty("properties", out var p) ? p : default;
        return new SiteInfo(
            GetString(root, "id") ?? id.ToString(),
            GetString(root, "name") ?? id.Name,
            GetString(root, "kind"),
            GetString(root, "location"),
            GetString(properties, "state"),
            GetString(properties, "serverFarmId"),
            GetString(properties, "defaultHostName"));
    }

    private HttpMessage CreateMessage(RequestMethod method, string path)
    {
        var message = _pipeline.CreateMessage();
        var request = message.Request;
        request.Method = method;
        var uri = new RequestUriBuilder();
        uri.Reset(_endpoint);
        uri.AppendPath(path, escape: false);
        uri.AppendQuery("api-version", _apiVersion, true);
        request.Uri = uri;
        request.Headers.Add("Accept", "application/json");
        return message;
    }

    private static string? GetString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
