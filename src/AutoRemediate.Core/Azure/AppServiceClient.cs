using System.Globalization;
using System.Text.Json;
using AutoRemediate.Shared;
using Azure;
using Azure.Core;

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

    /// <summary>Every app on a plan (<c>GET serverfarms/{plan}/sites</c>, AppServicePlans_ListWebApps): scaling the plan changes them all.</summary>
    Task<IReadOnlyList<SiteInfo>> ListPlanSitesAsync(string planResourceId, CancellationToken cancellationToken = default);

    /// <summary>Changes a plan's capacity and/or SKU (<c>PATCH serverfarms/{plan}</c>), following the long-running operation.</summary>
    Task<PlanInfo> UpdatePlanSkuAsync(string planResourceId, PlanSkuChange change, CancellationToken cancellationToken = default);

    /// <summary>Lists the App Service diagnostics detectors of a site.</summary>
    Task<IReadOnlyList<DetectorInfo>> ListDetectorsAsync(string siteResourceId, CancellationToken cancellationToken = default);

    /// <summary>Runs one detector over a window; the raw response (loosely typed tables), to keep as evidence.</summary>
    Task<JsonElement> RunDetectorAsync(string siteResourceId, string detector, DateTimeOffset start, DateTimeOffset end, CancellationToken cancellationToken = default);
}

/// <summary>
/// <see cref="IAppServiceClient"/> on the shared <see cref="ArmPipeline"/>. Routes and api-version
/// per the Microsoft.Web spec (<see cref="AzureOptions.WebApiVersion"/>).
/// </summary>
public sealed class AppServiceClient : IAppServiceClient
{
    private readonly ArmPipeline _arm;

    /// <summary>Creates the client.</summary>
    public AppServiceClient(ArmPipeline arm)
    {
        _arm = arm;
    }

    /// <inheritdoc />
    public async Task<SiteInfo> GetSiteAsync(string siteResourceId, CancellationToken cancellationToken = default)
    {
        var site = ArmIds.Site(siteResourceId);
        var info = ToSite(await _arm.Rest.GetJsonAsync(Web(site.EscapedPath), cancellationToken).ConfigureAwait(false));
        ArmIds.EnsureSame(site, info.Id);
        // The plan id comes from ARM's answer and will be read and perhaps scaled: only its canonical form is kept.
        return info with { Id = site.Canonical, ServerFarmId = ResourceIds.TryParse(info.ServerFarmId, out var plan) && plan!.Kind == TargetKind.Plan ? plan.Canonical : null };
    }

    /// <inheritdoc />
    public async Task<SiteConfigInfo> GetSiteConfigAsync(string siteResourceId, CancellationToken cancellationToken = default)
    {
        var body = await _arm.Rest.GetJsonAsync(Web(ArmIds.Site(siteResourceId).EscapedPath + "/config/web"), cancellationToken).ConfigureAwait(false);
        var p = Json.Obj(body, "properties");
        return new SiteConfigInfo(Json.Str(p, "healthCheckPath"), Json.Int(p, "numberOfWorkers"), Json.Bool(p, "alwaysOn"));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SiteInfo>> ListSlotsAsync(string siteResourceId, CancellationToken cancellationToken = default)
    {
        var site = ArmIds.Site(siteResourceId, allowSlot: false);
        var items = await _arm.Rest.GetPagedAsync(Web(site.EscapedPath + "/slots"), cancellationToken).ConfigureAwait(false);
        return [.. items.Select(ToSite)];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SiteInstance>> ListInstancesAsync(string siteResourceId, CancellationToken cancellationToken = default)
    {
        var items = await _arm.Rest.GetPagedAsync(Web(ArmIds.Site(siteResourceId).EscapedPath + "/instances"), cancellationToken).ConfigureAwait(false);
        return [.. items.Select(i => new SiteInstance(Json.Str(i, "name") ?? string.Empty, Json.Str(Json.Obj(i, "properties"), "state")))];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ProcessDetails>> ListProcessesAsync(string siteResourceId, string instanceId, CancellationToken cancellationToken = default)
    {
        var items = await _arm.Rest.GetPagedAsync(Web(Processes(siteResourceId, instanceId)), cancellationToken).ConfigureAwait(false);
        return [.. items.Select(ProcessParsing.FromArm)];
    }

    /// <inheritdoc />
    public async Task<ProcessDetails> GetProcessAsync(string siteResourceId, string instanceId, int processId, CancellationToken cancellationToken = default) =>
        ProcessParsing.FromArm(await _arm.Rest.GetJsonAsync(Web(Processes(siteResourceId, instanceId) + "/" + processId.ToString(CultureInfo.InvariantCulture)), cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public Task<Stream> GetProcessDumpAsync(string siteResourceId, string instanceId, int processId, CancellationToken cancellationToken = default)
    {
        var message = _arm.Rest.Create(RequestMethod.Get, Web(Processes(siteResourceId, instanceId) + "/" + processId.ToString(CultureInfo.InvariantCulture) + "/dump"));
        message.Request.Headers.SetValue("Accept", "application/octet-stream");
        return OpenAndDisposeAsync(message, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> KillProcessAsync(string siteResourceId, string instanceId, int processId, CancellationToken cancellationToken = default)
    {
        // Not retried on 5xx/transport errors: a retry could kill the replacement worker too.
        using var message = _arm.Rest.Create(RequestMethod.Delete, Web(Processes(siteResourceId, instanceId) + "/" + processId.ToString(CultureInfo.InvariantCulture)), ThrottlingOnlyClassifier.Instance);
        try
        {
            await _arm.Rest.SendAsync(message, cancellationToken).ConfigureAwait(false);
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
        var uri = Web(ArmIds.Site(siteResourceId).EscapedPath + "/restart",
            ("softRestart", softRestart ? "true" : "false"), ("synchronous", synchronous ? "true" : "false"));
        using var message = _arm.Rest.Create(RequestMethod.Post, uri, ThrottlingOnlyClassifier.Instance);
        await _arm.Rest.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<PlanInfo> GetPlanAsync(string planResourceId, CancellationToken cancellationToken = default)
    {
        var plan = ArmIds.Plan(planResourceId);
        var info = ToPlan(await _arm.Rest.GetJsonAsync(Web(plan.EscapedPath), cancellationToken).ConfigureAwait(false));
        ArmIds.EnsureSame(plan, info.Id);
        return info with { Id = plan.Canonical };
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SiteInfo>> ListPlanSitesAsync(string planResourceId, CancellationToken cancellationToken = default)
    {
        var plan = ArmIds.Plan(planResourceId);
        var items = await _arm.Rest.GetPagedAsync(Web(plan.EscapedPath + "/sites"), cancellationToken).ConfigureAwait(false);
        return [.. items.Select(ToSite)];
    }

    /// <inheritdoc />
    public async Task<PlanInfo> UpdatePlanSkuAsync(string planResourceId, PlanSkuChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        var plan = ArmIds.Plan(planResourceId);
        var uri = Web(plan.EscapedPath);
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
        using var message = _arm.Rest.Create(RequestMethod.Patch, uri);
        message.Request.Headers.SetValue("Content-Type", "application/json");
        message.Request.Content = RequestContent.Create(JsonSerializer.SerializeToUtf8Bytes(new { sku }));
        var response = await _arm.Rest.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var final = await _arm.Rest.WaitForCompletionAsync(response, uri, _arm.Options.LongRunningOperationTimeout, cancellationToken).ConfigureAwait(false);
        var updated = ToPlan(final ?? await _arm.Rest.GetJsonAsync(uri, cancellationToken).ConfigureAwait(false));
        ArmIds.EnsureSame(plan, updated.Id);
        return updated with { Id = plan.Canonical };
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DetectorInfo>> ListDetectorsAsync(string siteResourceId, CancellationToken cancellationToken = default)
    {
        var items = await _arm.Rest.GetPagedAsync(Web(ArmIds.Site(siteResourceId).EscapedPath + "/detectors"), cancellationToken).ConfigureAwait(false);
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
        return _arm.Rest.GetJsonAsync(
            Web(ArmIds.Site(siteResourceId).EscapedPath + "/detectors/" + ArmIds.Segment(detector, nameof(detector)),
                ("startTime", start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
                ("endTime", end.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture))),
            cancellationToken);
    }

    private async Task<Stream> OpenAndDisposeAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        using (message)
        {
            return await _arm.Rest.OpenStreamAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }

    // Every Microsoft.Web route is on the configured endpoint with the Web api-version.
    private Uri Web(string path, params (string Name, string Value)[] query) => _arm.Url(path, _arm.Options.WebApiVersion, query);

    private static string Processes(string siteResourceId, string instanceId) =>
        ArmIds.Site(siteResourceId).EscapedPath + "/instances/" + ArmIds.Segment(instanceId, nameof(instanceId)) + "/processes";

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
}
