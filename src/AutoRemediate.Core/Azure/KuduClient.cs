using System.Globalization;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Azure;

/// <summary>Which app, and which of its instances, a Kudu call is for.</summary>
/// <param name="SiteName">The app name.</param>
/// <param name="InstanceId">The instance to pin with the ARRAffinity cookie; null lets the front end choose.</param>
/// <param name="IsLinux">Linux apps run KuduLite, which supports far less (see <see cref="KuduClient"/>).</param>
/// <param name="SlotName">The slot, when not the production slot.</param>
public sealed record KuduTarget(string SiteName, string? InstanceId, bool IsLinux, string? SlotName = null);

/// <summary>The kind of memory dump to take.</summary>
public enum DumpKind
{
    /// <summary>Full memory: what heap analysis needs; about the size of the process's private bytes.</summary>
    Full,

    /// <summary>Minidump: small, no heap.</summary>
    Mini,
}

/// <summary>The Kudu (SCM site) process API of one App Service app.</summary>
public interface IKuduClient
{
    /// <summary>Lists the processes on the target instance.</summary>
    Task<IReadOnlyList<ProcessDetails>> ListProcessesAsync(KuduTarget target, CancellationToken cancellationToken = default);

    /// <summary>Gets one process (id 0 = the site's main worker on Windows).</summary>
    Task<ProcessDetails> GetProcessAsync(KuduTarget target, int processId, CancellationToken cancellationToken = default);

    /// <summary>Opens a memory dump of a process as a stream (never buffered); the caller disposes it.</summary>
    /// <exception cref="NotSupportedException">Linux app without dotnet-monitor: use the ARM instance route.</exception>
    Task<Stream> GetProcessDumpAsync(KuduTarget target, int processId, DumpKind kind, CancellationToken cancellationToken = default);

    /// <summary>Kills a process and its children on the target instance.</summary>
    /// <exception cref="NotSupportedException">Always on Linux: KuduLite cannot kill processes; restart instead.</exception>
    Task KillProcessAsync(KuduTarget target, int processId, CancellationToken cancellationToken = default);
}

/// <summary>
/// <see cref="IKuduClient"/> over Azure.Core's pipeline. Authenticates with a Microsoft Entra ID bearer
/// token for the App Service audience, or with publishing credentials (basic auth) only when they are
/// explicitly configured. The instance is pinned with the <c>ARRAffinity</c> cookie (an App Service
/// front-end convention, not a documented contract: where an exact instance matters, prefer the ARM
/// <c>instances/{id}/processes</c> routes).
/// Linux (KuduLite) differences: no kill (400 "Not supported on Linux"), and process list, details and
/// dumps only for .NET apps with <c>WEBSITE_USE_DOTNET_MONITOR=true</c>; the dump parameter is
/// <c>type</c> (Full, Mini, ...) instead of Windows' <c>dumpType</c> and <c>format</c>.
/// </summary>
public sealed class KuduClient : IKuduClient
{
    private readonly RestCaller _rest;
    private readonly string _scmTemplate;

    /// <summary>Creates the client.</summary>
    public KuduClient(TokenCredential credential, IOptions<AzureOptions> options, AppServiceClientOptions clientOptions, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        _scmTemplate = o.ScmEndpointTemplate.TrimEnd('/');
        HttpPipelinePolicy auth = string.IsNullOrEmpty(o.KuduBasicAuthUser)
            ? new BearerTokenAuthenticationPolicy(credential, o.KuduTokenScope)
            : new BasicAuthenticationPolicy(o.KuduBasicAuthUser!, o.KuduBasicAuthPassword!);
        _rest = new RestCaller(HttpPipelineBuilder.Build(clientOptions, auth), time);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ProcessDetails>> ListProcessesAsync(KuduTarget target, CancellationToken cancellationToken = default)
    {
        using var message = Create(RequestMethod.Get, target, "/api/processes");
        var items = await SendForJsonAsync(message, target, "list processes", cancellationToken).ConfigureAwait(false);
        return items.ValueKind == System.Text.Json.JsonValueKind.Array ? [.. items.EnumerateArray().Select(ProcessParsing.FromKudu)] : [];
    }

    /// <inheritdoc />
    public async Task<ProcessDetails> GetProcessAsync(KuduTarget target, int processId, CancellationToken cancellationToken = default)
    {
        using var message = Create(RequestMethod.Get, target, $"/api/processes/{processId.ToString(CultureInfo.InvariantCulture)}");
        return ProcessParsing.FromKudu(await SendForJsonAsync(message, target, "read process details", cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public async Task<Stream> GetProcessDumpAsync(KuduTarget target, int processId, DumpKind kind, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var query = target.IsLinux
            ? $"?type={(kind == DumpKind.Full ? "Full" : "Mini")}"
            // Win32 MINIDUMP_TYPE: 2 = MiniDumpWithFullMemory, 0 = MiniDumpNormal.
            : $"?dumpType={(kind == DumpKind.Full ? 2 : 0)}&format=raw";
        using var message = Create(RequestMethod.Get, target, $"/api/processes/{processId.ToString(CultureInfo.InvariantCulture)}/dump{query}");
        message.Request.Headers.SetValue("Accept", "application/octet-stream");
        try
        {
            return await _rest.OpenStreamAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (target.IsLinux && ex.Status is 400 or 404 or 501)
        {
            throw LinuxUnsupported(target, "take a memory dump", ex);
        }
    }

    /// <inheritdoc />
    public async Task KillProcessAsync(KuduTarget target, int processId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.IsLinux)
        {
            throw LinuxUnsupported(target, "kill a process", inner: null);
        }

        using var message = Create(RequestMethod.Delete, target, $"/api/processes/{processId.ToString(CultureInfo.InvariantCulture)}", ThrottlingOnlyClassifier.Instance);
        await _rest.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The SCM base URL of an app (or slot).</summary>
    public Uri ScmBase(KuduTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var host = target.SlotName is null ? target.SiteName : $"{target.SiteName}-{target.SlotName}";
        return new Uri(_scmTemplate.Replace("{site}", Uri.EscapeDataString(host), StringComparison.Ordinal));
    }

    private HttpMessage Create(RequestMethod method, KuduTarget target, string path, ResponseClassifier? classifier = null)
    {
        var message = _rest.Create(method, new Uri(ScmBase(target) + path), classifier);
        if (target.InstanceId is { Length: > 0 } instance)
        {
            message.Request.Headers.SetValue("Cookie", $"ARRAffinity={instance}");
        }

        return message;
    }

    private async Task<System.Text.Json.JsonElement> SendForJsonAsync(HttpMessage message, KuduTarget target, string what, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _rest.SendAsync(message, cancellationToken).ConfigureAwait(false);
            using var document = await System.Text.Json.JsonDocument.ParseAsync(response.ContentStream ?? Stream.Null, cancellationToken: cancellationToken).ConfigureAwait(false);
            return document.RootElement.Clone();
        }
        catch (RequestFailedException ex) when (target.IsLinux && ex.Status is 400 or 404 or 501)
        {
            throw LinuxUnsupported(target, what, ex);
        }
    }

    private static NotSupportedException LinuxUnsupported(KuduTarget target, string what, Exception? inner) => new(
        $"Kudu on Linux cannot {what} for '{target.SiteName}': KuduLite has no process kill, and serves processes and dumps only for .NET apps " +
        "with WEBSITE_USE_DOTNET_MONITOR=true. Use the ARM instances/{id}/processes routes, or restart the app.", inner);

    /// <summary>Publishing-credential (basic) auth for Kudu, when explicitly configured.</summary>
    private sealed class BasicAuthenticationPolicy(string user, string password) : HttpPipelineSynchronousPolicy
    {
        private readonly string _value = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

        public override void OnSendingRequest(HttpMessage message)
        {
            // Same rule as the bearer policy: credentials never over plain HTTP.
            if (message.Request.Uri.Scheme != Uri.UriSchemeHttps)
            {
                throw new InvalidOperationException("Kudu basic authentication is not permitted for non TLS protected (https) endpoints.");
            }

            message.Request.Headers.SetValue(HttpHeader.Names.Authorization, _value);
        }
    }
}
