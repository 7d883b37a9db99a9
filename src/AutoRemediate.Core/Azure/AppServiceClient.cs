using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;
using AutoRemediate.Shared;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Azure;

/// <summary>Reads and changes App Service resources through Azure Resource Manager. Every error status is a <see cref="RequestFailedException"/>.</summary>
public interface IAppServiceClient
{
    /// <summary>Gets a site or slot (<c>GET sites/{site}</c>, <c>GET sites/{site}/slots/{slot}</c>).</summary>
    Task<SiteInfo> GetSiteAsync(string siteResourceId, CancellationToken cancellationToken = default);

    /// <summary>Gets a site's configuration (<c>GET sites/{site}/config/web</c>): health check path and more.</summary>
    Task<SiteConfigInfo> GetSiteConfigAsync(string siteResourceId, CancellationToken cancellationToken = default);

    /// <summary>Lists a site's deployment slots.</summary>
    Task<IReadOnlyList<SiteInfo>> ListSlotsAsync(string siteResourceId, CancellationToken cancellationToken = default);

    /// <summary>Lists the instances a site or slot runs on.</summary>
    Task<IReadOnlyList<SiteInstance>> ListInstancesAsync(string siteResourceId, CancellationToken cancellationToken = default);

    /// <summary>Lists the processes on one instance (ARM proxies Kudu on that instance).</summary>
    Task<IReadOnlyList<ProcessDetails>> ListProcessesAsync(string siteResourceId, string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Gets one process on one instance: memory, CPU, threads, start time.</summary>
    Task<ProcessDetails> GetProcessAsync(string siteResourceId, string instanceId, int processId, CancellationToken cancellationToken = default);

    /// <summary>Opens a memory dump of a process as a stream (never buffered); the caller disposes it.</summary>
    Task<Stream> GetProcessDumpAsync(string siteResourceId, string instanceId, int processId, CancellationToken cancellationToken = default);

    /// <summary>Kills a process on one instance (App Service starts a new worker); false when it was not there.</summary>
    Task<bool> KillProcessAsync(string siteResourceId, string instanceId, int processId, CancellationToken cancellationToken = default);

    /// <summary>Restarts a site or slot. Retried only on throttling, so it never restarts twice.</summary>
    Task RestartAsync(string siteResourceId, bool softRestart = false, bool synchronous = false, CancellationToken cancellationToken = default);

    /// <summary>Gets an App Service plan with its SKU and capacity.</summary>
    Task<PlanInfo> GetPlanAsync(string planResourceId, CancellationToken cancellationToken = default);

    /// <summary>Changes a plan's capacity and/or SKU (<c>PATCH serverfarms/{plan}</c>), following the long-running operation.</summary>
    Task<PlanInfo> UpdatePlanSkuAsync(string planResourceId, PlanSkuChange change, CancellationToken cancellationToken = default);

    /// <summary>The autoscale settings in the plan's subscription that target the plan.</summary>
    Task<IReadOnlyList<AutoscaleSettingInfo>> FindAutoscaleSettingsAsync(string planResourceId, CancellationToken cancellationToken = default);

    /// <summary>Reads Azure Monitor metrics of a site or plan.</summary>
    Task<IReadOnlyList<MetricSeries>> GetMetricsAsync(string resourceId, MetricsQuery query, CancellationToken cancellationToken = default);

    /// <summary>Reads Resource Health's current availability of a resource.</summary>
    Task<AvailabilityInfo> GetAvailabilityAsync(string resourceId, CancellationToken cancellationToken = default);

    /// <summary>Lists the App Service diagnostics detectors of a site.</summary>
    Task<IReadOnlyList<DetectorInfo>> ListDetectorsAsync(string siteResourceId, CancellationToken cancellationToken = default);

    /// <summary>Runs one detector over a window; the raw response (loosely typed tables), to keep as evidence.</summary>
    Task<JsonElement> RunDetectorAsync(string siteResourceId, string detector, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken = default);
}

/// <summary>Options for <see cref="AppServiceClient"/>'s Azure.Core pipeline (retries, diagnostics).</summary>
public sealed class AppServiceClientOptions : ClientOptions
{
}

/// <summary>
/// <see cref="IAppServiceClient"/> over Azure.Core's <see cref="HttpPipeline"/> with
/// <see cref="BearerTokenAuthenticationPolicy"/>: the pipeline the Azure SDKs use (retries honouring
/// Retry-After on 408/429/5xx, logging, telemetry), because Azure.ResourceManager.AppService is not
/// available to us. Routes and api-versions per the Microsoft.Web, Insights and ResourceHealth specs.
/// </summary>
public sealed class AppServiceClient : IAppServiceClient
{
    private readonly RestCaller _rest;
    private readonly AzureOptions _options;
    private readonly Uri _endpoint;

    /// <summary>Creates the client.</summary>
    public AppServiceClient(TokenCredential credential, IOptions<AzureOptions> options, AppServiceClientOptions clientOptions, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _endpoint = _options.ResourceManagerEndpoint;
        // Tokens for ARM use ARM's audience; the Sandbox stands in for ARM and is asked with the same scope.
        var scope = _endpoint.IsLoopback ? "https://management.azure.com/.default" : new Uri(_endpoint, "/.default").ToString();
        _rest = new RestCaller(HttpPipelineBuilder.Build(clientOptions, new BearerTokenAuthenticationPolicy(credential, scope)), time, _endpoint);
    }

    /// <inheritdoc />
    public async Task<SiteInfo> GetSiteAsync(string siteResourceId, CancellationToken cancellationToken = default)
    {
        var site = Site(siteResourceId);
        var info = ToSite(await _rest.GetJsonAsync(Arm(site.EscapedPath, _options.WebApiVersion), cancellationToken).ConfigureAwait(false));
        EnsureSame(site, info.Id);
        // The plan id comes from ARM's answer and will be read and perhaps scaled: only its canonical form is kept.
        return info with { Id = site.Canonical, ServerFarmId = ResourceIds.TryParse(info.ServerFarmId, out var plan) && plan!.Kind == TargetKind.Plan ? plan.Canonical : null };
    }

    /// <inheritdoc />
    public async Task<SiteConfigInfo> GetSiteConfigAsync(string siteResourceId, CancellationToken cancellationToken = default)
    {
        var body = await _rest.GetJsonAsync(Arm(Site(siteResourceId).EscapedPath + "/config/web", _options.WebApiVersion), cancellationToken).ConfigureAwait(false);
        var p = Json.Obj(body, "properties");
        return new SiteConfigInfo(Json.Str(p, "healthCheckPath"), Json.Int(p, "numberOfWorkers"), Json.Bool(p, "alwaysOn"));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SiteInfo>> ListSlotsAsync(string siteResourceId, CancellationToken cancellationToken = default)
    {
        var site = Site(siteResourceId, allowSlot: false);
        var items = await _rest.GetPagedAsync(Arm(site.EscapedPath + "/slots", _options.WebApiVersion), cancellationToken).ConfigureAwait(false);
        return [.. items.Select(ToSite)];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SiteInstance>> ListInstancesAsync(string siteResourceId, CancellationToken cancellationToken = default)
    {
        var items = await _rest.GetPagedAsync(Arm(Site(siteResourceId).EscapedPath + "/instances", _options.WebApiVersion), cancellationToken).ConfigureAwait(false);
        return [.. items.Select(i => new SiteInstance(Json.Str(i, "name") ?? string.Empty, Json.Str(Json.Obj(i, "properties"), "state")))];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ProcessDetails>> ListProcessesAsync(string siteResourceId, string instanceId, CancellationToken cancellationToken = default)
    {
        var items = await _rest.GetPagedAsync(Arm(Processes(siteResourceId, instanceId), _options.WebApiVersion), cancellationToken).ConfigureAwait(false);
        return [.. items.Select(ProcessParsing.FromArm)];
    }

    /// <inheritdoc />
    public async Task<ProcessDetails> GetProcessAsync(string siteResourceId, string instanceId, int processId, CancellationToken cancellationToken = default) =>
        ProcessParsing.FromArm(await _rest.GetJsonAsync(Arm(Processes(siteResourceId, instanceId) + "/" + processId.ToString(CultureInfo.InvariantCulture), _options.WebApiVersion), cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public Task<Stream> GetProcessDumpAsync(string siteResourceId, string instanceId, int processId, CancellationToken cancellationToken = default)
    {
        var message = _rest.Create(RequestMethod.Get, Arm(Processes(siteResourceId, instanceId) + "/" + processId.ToString(CultureInfo.InvariantCulture) + "/dump", _options.WebApiVersion));
        message.Request.Headers.SetValue("Accept", "application/octet-stream");
        return OpenAndDisposeAsync(message, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> KillProcessAsync(string siteResourceId, string instanceId, int processId, CancellationToken cancellationToken = default)
    {
        // Not retried on 5xx/transport errors: a retry could kill the replacement worker too.
        using var message = _rest.Create(RequestMethod.Delete, Arm(Processes(siteResourceId, instanceId) + "/" + processId.ToString(CultureInfo.InvariantCulture), _options.WebApiVersion), ThrottlingOnlyClassifier.Instance);
        try
        {
            await _rest.SendAsync(message, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task RestartAsync(string siteResourceId, bool softRestart = false, bool synchronous = false, CancellationToken cancellationToken = default)
    {
        var uri = Arm(Site(siteResourceId).EscapedPath + "/restart", _options.WebApiVersion,
            ("softRestart", softRestart ? "true" : "false"), ("synchronous", synchronous ? "true" : "false"));
        using var message = _rest.Create(RequestMethod.Post, uri, ThrottlingOnlyClassifier.Instance);
        await _rest.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<PlanInfo> GetPlanAsync(string planResourceId, CancellationToken cancellationToken = default)
    {
        var plan = Plan(planResourceId);
        var info = ToPlan(await _rest.GetJsonAsync(Arm(plan.EscapedPath, _options.WebApiVersion), cancellationToken).ConfigureAwait(false));
        EnsureSame(plan, info.Id);
        return info with { Id = plan.Canonical };
    }

    /// <inheritdoc />
    public async Task<PlanInfo> UpdatePlanSkuAsync(string planResourceId, PlanSkuChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var plan = Plan(planResourceId);
        var uri = Arm(plan.EscapedPath, _options.WebApiVersion);
        var sku = new Dictionary<string, object>();
        if (change.SkuName is not null)
        {
            sku["name"] = change.SkuName;
        }

        if (change.SkuTier is not null)
        {
            sku["tier"] = change.SkuTier;
        }

        if (change.Capacity is not null)
        {
            sku["capacity"] = change.Capacity.Value;
        }

        // Setting the same capacity or SKU twice leaves the same plan: PATCH is safe to retry.
        using var message = _rest.Create(RequestMethod.Patch, uri);
        message.Request.Headers.SetValue("Content-Type", "application/json");
        message.Request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(new { sku }));
        var response = await _rest.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var final = await _rest.WaitForCompletionAsync(response, uri, _options.LongRunningOperationTimeout, cancellationToken).ConfigureAwait(false);
        var updated = ToPlan(final ?? await _rest.GetJsonAsync(uri, cancellationToken).ConfigureAwait(false));
        EnsureSame(plan, updated.Id);
        return updated with { Id = plan.Canonical };
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AutoscaleSettingInfo>> FindAutoscaleSettingsAsync(string planResourceId, CancellationToken cancellationToken = default)
    {
        var plan = Plan(planResourceId);
        var items = await _rest.GetPagedAsync(
            Arm($"/subscriptions/{plan.SubscriptionId}/providers/Microsoft.Insights/autoscalesettings", _options.AutoscaleApiVersion), cancellationToken).ConfigureAwait(false);
        return [.. items
            .Where(i => ResourceIds.Canonicalize(Json.Str(Json.Obj(i, "properties"), "targetResourceUri")) == plan.Canonical)
            .Select(ToAutoscale)];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<MetricSeries>> GetMetricsAsync(string resourceId, MetricsQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var id = Parse(resourceId).EscapedPath;
        var parameters = new List<(string, string)>
        {
            ("timespan", $"{query.Start.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}/{query.End.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}"),
            ("interval", XmlConvert.ToString(query.Interval)),
            ("metricnames", string.Join(',', query.MetricNames)),
            ("aggregation", string.Join(',', query.Aggregations)),
        };
        if (query.SplitByInstance)
        {
            parameters.Add(("$filter", "Instance eq '*'"));
        }

        var body = await _rest.GetJsonAsync(Arm(id + "/providers/Microsoft.Insights/metrics", _options.MetricsApiVersion, [.. parameters]), cancellationToken).ConfigureAwait(false);
        return MetricsParsing.Parse(body);
    }

    /// <inheritdoc />
    public async Task<AvailabilityInfo> GetAvailabilityAsync(string resourceId, CancellationToken cancellationToken = default)
    {
        var body = await _rest.GetJsonAsync(
            Arm(Parse(resourceId).EscapedPath + "/providers/Microsoft.ResourceHealth/availabilityStatuses/current", _options.ResourceHealthApiVersion), cancellationToken).ConfigureAwait(false);
        var p = Json.Obj(body, "properties");
        return new AvailabilityInfo(Json.Str(p, "availabilityState") ?? "Unknown", Json.Str(p, "reasonType"), Json.Str(p, "summary"), Json.Time(p, "occuredTime") ?? Json.Time(p, "occurredTime"));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DetectorInfo>> ListDetectorsAsync(string siteResourceId, CancellationToken cancellationToken = default)
    {
        var items = await _rest.GetPagedAsync(Arm(Site(siteResourceId).EscapedPath + "/detectors", _options.WebApiVersion), cancellationToken).ConfigureAwait(false);
        return [.. items.Select(i =>
        {
            var metadata = Json.Obj(Json.Obj(i, "properties"), "metadata");
            return new DetectorInfo(Json.Str(i, "name") ?? Json.Str(metadata, "id") ?? string.Empty, Json.Str(metadata, "name"), Json.Str(metadata, "description"), Json.Str(metadata, "category"));
        })];
    }

    /// <inheritdoc />
    public Task<JsonElement> RunDetectorAsync(string siteResourceId, string detector, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(detector);
        return _rest.GetJsonAsync(
            Arm(Site(siteResourceId).EscapedPath + "/detectors/" + Segment(detector, nameof(detector)), _options.WebApiVersion,
                ("startTime", start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
                ("endTime", end.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))),
            cancellationToken);
    }

    private async Task<Stream> OpenAndDisposeAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        using (message)
        {
            return await _rest.OpenStreamAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }

    private Uri Arm(string path, string apiVersion, params (string Name, string Value)[] query)
    {
        var builder = new StringBuilder(_endpoint.GetLeftPart(UriPartial.Authority)).Append(path).Append("?api-version=").Append(Uri.EscapeDataString(apiVersion));
        foreach (var (name, value) in query)
        {
            builder.Append('&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return new Uri(builder.ToString());
    }

    private static string Processes(string siteResourceId, string instanceId) =>
        Site(siteResourceId).EscapedPath + "/instances/" + Segment(instanceId, nameof(instanceId)) + "/processes";

    // Instance ids and detector names come from ARM's own answers, still untrusted: one plain segment
    // each (letters, digits, '-', '_', '.'; never "." or ".."), so no answer can redirect a later call.
    private static string Segment(string value, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
        if (value.Length > 256 || value.Trim('.').Length == 0 || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException($"'{value}' is not a valid {name}.", name);
        }

        return value;
    }

    private static AppServiceResourceId Site(string resourceId, bool allowSlot = true)
    {
        var id = Parse(resourceId);
        if (id.Kind is not (TargetKind.Site or TargetKind.Slot) || (!allowSlot && id.Kind == TargetKind.Slot))
        {
            throw new ArgumentException($"'{resourceId}' is not a Microsoft.Web/sites{(allowSlot ? " or sites/slots" : string.Empty)} resource id.", nameof(resourceId));
        }

        return id;
    }

    private static AppServiceResourceId Plan(string resourceId)
    {
        var id = Parse(resourceId);
        return id.Kind == TargetKind.Plan
            ? id
            : throw new ArgumentException($"'{resourceId}' is not a Microsoft.Web/serverfarms resource id.", nameof(resourceId));
    }

    private static AppServiceResourceId Parse(string resourceId) =>
        ResourceIds.TryParse(resourceId, out var id, out var reason) ? id! : throw new ArgumentException($"'{resourceId}': {reason}", nameof(resourceId));

    // ARM must answer for the resource asked for; an answer about another one (a proxy, a rewritten
    // path) is refused rather than acted on.
    private static void EnsureSame(AppServiceResourceId asked, string? answered)
    {
        if (ResourceIds.Canonicalize(answered) != asked.Canonical)
        {
            throw new RequestFailedException(200, $"Azure Resource Manager answered for '{answered ?? "no id"}' when asked for '{asked.Canonical}'; the answer is not used.", "ResourceIdMismatch", null);
        }
    }

    internal static SiteInfo ToSite(JsonElement body)
    {
        var p = Json.Obj(body, "properties");
        var kind = Json.Str(body, "kind");
        var linux = (kind?.Contains("linux", StringComparison.OrdinalIgnoreCase) ?? false) || Json.Bool(p, "reserved") == true;
        return new SiteInfo(Json.Str(body, "id") ?? string.Empty, Json.Str(body, "name") ?? string.Empty, kind, Json.Str(body, "location"),
            Json.Str(p, "state"), Json.Str(p, "serverFarmId"), Json.Str(p, "defaultHostName"), linux);
    }

    internal static PlanInfo ToPlan(JsonElement body)
    {
        var sku = Json.Obj(body, "sku");
        var p = Json.Obj(body, "properties");
        return new PlanInfo(Json.Str(body, "id") ?? string.Empty, Json.Str(body, "name") ?? string.Empty,
            Json.Str(sku, "name"), Json.Str(sku, "tier"), Json.Str(sku, "size"), Json.Str(sku, "family"),
            Json.Int(sku, "capacity") ?? Json.Int(p, "numberOfWorkers"), Json.Int(p, "maximumNumberOfWorkers"));
    }

    private static AutoscaleSettingInfo ToAutoscale(JsonElement item)
    {
        var p = Json.Obj(item, "properties");
        var capacities = p.TryGetProperty("profiles", out var profiles) && profiles.ValueKind == JsonValueKind.Array
            ? profiles.EnumerateArray().Select(pr => Json.Obj(pr, "capacity")).ToList()
            : [];
        var minimums = capacities.Select(c => Json.Int(c, "minimum")).OfType<int>().ToList();
        var maximums = capacities.Select(c => Json.Int(c, "maximum")).OfType<int>().ToList();
        return new AutoscaleSettingInfo(Json.Str(item, "id") ?? string.Empty, Json.Str(item, "name") ?? string.Empty, Json.Bool(p, "enabled") ?? true,
            minimums.Count > 0 ? minimums.Min() : null, maximums.Count > 0 ? maximums.Max() : null,
            capacities.Count > 0 ? Json.Int(capacities[0], "default") : null);
    }
}
