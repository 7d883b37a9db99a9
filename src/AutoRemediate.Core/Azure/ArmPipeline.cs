using System.Text;
using AutoRemediate.Shared;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Azure;

/// <summary>
/// Options of the one Azure.Core pipeline (retries, diagnostics, transport) that every ARM client
/// shares: the four services differ only in routes and api-versions, which come from <see cref="AzureOptions"/>.
/// </summary>
public sealed class ArmClientOptions : ClientOptions
{
}

/// <summary>
/// The one Azure.Core <see cref="HttpPipeline"/> with <see cref="BearerTokenAuthenticationPolicy"/>
/// behind <see cref="AppServiceClient"/>, <see cref="MetricsClient"/>, <see cref="ResourceHealthClient"/>
/// and <see cref="AutoscaleClient"/>: the pipeline the Azure SDKs use (retries honouring Retry-After
/// on 408/429/5xx, logging, telemetry), because the Azure.ResourceManager packages are not available
/// to us. One credential, one token cache and one set of pooled connections for all four.
/// </summary>
public sealed class ArmPipeline
{
    private readonly Uri _endpoint;

    /// <summary>Creates the pipeline.</summary>
    public ArmPipeline(TokenCredential credential, IOptions<AzureOptions> options, ArmClientOptions clientOptions, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Value;
        _endpoint = Options.ResourceManagerEndpoint;
        // Tokens for ARM use ARM's audience; the Sandbox stands in for ARM and is asked with the same scope.
        var scope = _endpoint.IsLoopback ? "https://management.azure.com/.default" : new Uri(_endpoint, "/.default").ToString();
        Rest = new RestCaller(HttpPipelineBuilder.Build(clientOptions, new BearerTokenAuthenticationPolicy(credential, scope)), time, _endpoint);
    }

    internal RestCaller Rest { get; }

    internal AzureOptions Options { get; }

    /// <summary>An ARM URL on the configured endpoint: <paramref name="path"/> (already escaped), the api-version, then <paramref name="query"/> (escaped here).</summary>
    internal Uri Url(string path, string apiVersion, params (string Name, string Value)[] query)
    {
        var builder = new StringBuilder(_endpoint.GetLeftPart(UriPartial.Authority)).Append(path).Append("?api-version=").Append(Uri.EscapeDataString(apiVersion));
        foreach (var (name, value) in query)
        {
            builder.Append('&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return new Uri(builder.ToString());
    }
}

/// <summary>The checks every ARM client applies to the ids it is asked about and the answers it gets.</summary>
internal static class ArmIds
{
    /// <summary>A site or slot id (a slot only when <paramref name="allowSlot"/>), or an <see cref="ArgumentException"/> before any request.</summary>
    public static AppServiceResourceId Site(string resourceId, bool allowSlot = true)
    {
        var id = Parse(resourceId);
        if (id.Kind is not (TargetKind.Site or TargetKind.Slot) || (!allowSlot && id.Kind == TargetKind.Slot))
        {
            throw new ArgumentException($"'{resourceId}' is not a Microsoft.Web/sites{(allowSlot ? " or sites/slots" : string.Empty)} resource id.", nameof(resourceId));
        }

        return id;
    }

    /// <summary>A plan id, or an <see cref="ArgumentException"/> before any request.</summary>
    public static AppServiceResourceId Plan(string resourceId)
    {
        var id = Parse(resourceId);
        return id.Kind == TargetKind.Plan
            ? id
            : throw new ArgumentException($"'{resourceId}' is not a Microsoft.Web/serverfarms resource id.", nameof(resourceId));
    }

    /// <summary>Any App Service id (site, slot or plan), or an <see cref="ArgumentException"/> before any request.</summary>
    public static AppServiceResourceId Parse(string resourceId) =>
        ResourceIds.TryParse(resourceId, out var id, out var reason) ? id! : throw new ArgumentException($"'{resourceId}': {reason}", nameof(resourceId));

    // Instance ids and detector names come from ARM's own answers, still untrusted: one plain segment
    // each (letters, digits, '-', '_', '.'; never "." or ".."), so no answer can redirect a later call.
    public static string Segment(string value, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
        if (value.Length > 256 || value.Trim('.').Length == 0 || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"'{value}' is not a valid {name}.", name);
        }

        return value;
    }

    // ARM must answer for the resource asked for; an answer about another one (a proxy, a rewritten
    // path) is refused rather than acted on.
    public static void EnsureSame(AppServiceResourceId asked, string? answered)
    {
        if (ResourceIds.Canonicalize(answered) != asked.Canonical)
        {
            throw new RequestFailedException(200, $"Azure Resource Manager answered for '{answered ?? "no id"}' when asked for '{asked.Canonical}'; the answer is not used.", "ResourceIdMismatch", null);
        }
    }
}
