using AutoRemediate.Sandbox.Processes;
using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox.Arm;

/// <summary>
/// Microsoft.Web/sites: the site, its web config, slots and the restart/stop/start actions. Bodies
/// use only property names found in the REST spec examples GetWebApp, GetSiteConfig and GetWebAppSlot
/// (plus <c>healthCheckPath</c>, which the spec's SiteConfig defines but the examples leave out).
/// </summary>
internal static class SiteRoutes
{
    public const string SitePath = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Web/sites/{site}";

    /// <summary>How long <c>synchronous=true</c> restarts take before answering.</summary>
    public static readonly TimeSpan SynchronousRestartDelay = TimeSpan.FromMilliseconds(200);

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(SitePath, (string subscriptionId, string resourceGroup, string site, SandboxState state) =>
            WithSite(state, subscriptionId, resourceGroup, site, app => ArmJson.Ok(SiteBody(app))));

        routes.MapGet(SitePath + "/config/web", (string subscriptionId, string resourceGroup, string site, SandboxState state) =>
            WithSite(state, subscriptionId, resourceGroup, site, app => ArmJson.Ok(ConfigBody(app))));

        routes.MapGet(SitePath + "/slots", (string subscriptionId, string resourceGroup, string site, SandboxState state) =>
            WithSite(state, subscriptionId, resourceGroup, site, app => ArmJson.List(app.Slots.Select(slot => SlotBody(app, slot)))));

        routes.MapGet(SitePath + "/slots/{slot}", (string subscriptionId, string resourceGroup, string site, string slot, SandboxState state) =>
            WithSite(state, subscriptionId, resourceGroup, site, app => FindSlot(app, slot) is { } name
                ? ArmJson.Ok(SlotBody(app, name))
                : ArmErrors.NotFound("Microsoft.Web/sites/slots", $"{site}/{slot}", resourceGroup)));

        routes.MapPost(SitePath + "/restart", RestartAsync);
        routes.MapPost(SitePath + "/slots/{slot}/restart", RestartSlotAsync);

        routes.MapPost(SitePath + "/stop", (string subscriptionId, string resourceGroup, string site, SandboxState state) =>
            WithSite(state, subscriptionId, resourceGroup, site, app =>
            {
                app.Stop(state.Now);
                return Results.Ok();
            }));

        routes.MapPost(SitePath + "/start", (string subscriptionId, string resourceGroup, string site, SandboxState state) =>
            WithSite(state, subscriptionId, resourceGroup, site, app =>
            {
                app.Start(state.Now);
                return Results.Ok();
            }));
    }

    /// <summary>Runs <paramref name="action"/> on the site under its plan's gate, or answers ARM's 404.</summary>
    internal static IResult WithSite(SandboxState state, string subscriptionId, string resourceGroup, string site, Func<SimulatedApp, IResult> action)
    {
        var app = state.FindSite(subscriptionId, resourceGroup, site);
        if (app is null)
        {
            return ArmErrors.NotFound("Microsoft.Web/sites", site, resourceGroup);
        }

        lock (app.Plan.Gate)
        {
            app.Plan.Refresh(state.Now);
            return action(app);
        }
    }

    // POST restart: every process of the app on every instance starts again (memory drops; a crash
    // loop keeps crashing; a platform outage stays). softRestart is accepted and restarts too.
    private static async Task<IResult> RestartAsync(string subscriptionId, string resourceGroup, string site, bool? softRestart, bool? synchronous, SandboxState state)
    {
        var result = WithSite(state, subscriptionId, resourceGroup, site, app =>
        {
            app.RestartAll(state.Now, softRestart == true ? "SoftRestart" : "Restart");
            return Results.Ok();
        });
        if (synchronous == true && result is Microsoft.AspNetCore.Http.HttpResults.Ok)
        {
            // synchronous=true blocks until the app has restarted; latency is real time, not the sandbox clock.
            await Task.Delay(SynchronousRestartDelay);
        }

        return result;
    }

    private static async Task<IResult> RestartSlotAsync(string subscriptionId, string resourceGroup, string site, string slot, bool? softRestart, bool? synchronous, SandboxState state)
    {
        var result = WithSite(state, subscriptionId, resourceGroup, site, app =>
        {
            if (FindSlot(app, slot) is null)
            {
                return ArmErrors.NotFound("Microsoft.Web/sites/slots", $"{site}/{slot}", resourceGroup);
            }

            app.SlotRestartCount++;
            return Results.Ok();
        });
        if (synchronous == true && result is Microsoft.AspNetCore.Http.HttpResults.Ok)
        {
            await Task.Delay(SynchronousRestartDelay);
        }

        return result;
    }

    private static string? FindSlot(SimulatedApp app, string slot) =>
        app.Slots.FirstOrDefault(s => string.Equals(s, slot, StringComparison.OrdinalIgnoreCase));

    internal static object SiteBody(SimulatedApp app) => new
    {
        id = app.ResourceId,
        name = app.Name,
        type = "Microsoft.Web/sites",
        kind = app.Kind,
        location = app.Location,
        properties = SiteProperties(app, app.Name, app.Name),
    };

    private static object SlotBody(SimulatedApp app, string slot) => new
    {
        id = $"{app.ResourceId}/slots/{slot}",
        name = $"{app.Name}/{slot}",
        type = "Microsoft.Web/sites/slots",
        kind = app.Kind,
        location = app.Location,
        properties = SiteProperties(app, $"{app.Name}-{slot}", app.Name),
    };

    private static object SiteProperties(SimulatedApp app, string hostName, string repositorySiteName) => new
    {
        state = app.State,
        enabled = true,
        availabilityState = "Normal",
        usageState = "Normal",
        defaultHostName = $"{hostName}.azurewebsites.net",
        hostNames = new[] { $"{hostName}.azurewebsites.net" },
        enabledHostNames = new[] { $"{hostName}.azurewebsites.net", $"{hostName}.scm.azurewebsites.net" },
        hostNameSslStates = new object[]
        {
            new { name = $"{hostName}.azurewebsites.net", hostType = "Standard", sslState = "Disabled" },
            new { name = $"{hostName}.scm.azurewebsites.net", hostType = "Repository", sslState = "Disabled" },
        },
        repositorySiteName,
        serverFarmId = app.PlanResourceId,
        resourceGroup = app.ResourceGroup,
        reserved = app.IsLinux,
        sku = app.Plan.Sku.Tier,
        clientAffinityEnabled = true,
        httpsOnly = true,
        lastModifiedTimeUtc = ProcessView.Iso(app.LastModifiedAt),
        siteConfig = new
        {
            numberOfWorkers = app.Plan.Capacity,
            alwaysOn = true,
            linuxFxVersion = app.IsLinux ? "DOTNETCORE|8.0" : string.Empty,
        },
    };

    // WebApps_GetConfiguration (sites/{site}/config/web). healthCheckPath is only sent when configured.
    private static object ConfigBody(SimulatedApp app) => new
    {
        id = app.ResourceId + "/config/web",
        name = "web",
        type = "Microsoft.Web/sites/config",
        kind = app.Kind,
        properties = new
        {
            numberOfWorkers = app.Plan.Capacity,
            alwaysOn = true,
            http20Enabled = true,
            linuxFxVersion = app.IsLinux ? "DOTNETCORE|8.0" : string.Empty,
            netFrameworkVersion = app.IsLinux ? string.Empty : "v8.0",
            use32BitWorkerProcess = false,
            webSocketsEnabled = false,
            autoHealEnabled = false,
            loadBalancing = "LeastRequests",
            managedPipelineMode = "Integrated",
            minTlsVersion = "1.2",
            scmMinTlsVersion = "1.2",
            ftpsState = "FtpsOnly",
            remoteDebuggingEnabled = false,
            detailedErrorLoggingEnabled = false,
            httpLoggingEnabled = false,
            requestTracingEnabled = false,
            healthCheckPath = app.HealthCheckPath,
        },
    };
}
