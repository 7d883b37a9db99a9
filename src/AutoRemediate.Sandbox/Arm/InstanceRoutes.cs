using AutoRemediate.Sandbox.Faults;
using AutoRemediate.Sandbox.Processes;
using AutoRemediate.Sandbox.Scenarios;
using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox.Arm;

/// <summary>
/// sites/{site}/instances and the per-instance process routes (list, get, kill, dump). ARM serves
/// these by proxying the Kudu process API of that instance. On Linux apps the Sandbox lets kill and
/// dump through ARM even though KuduLite refuses them on the SCM site: what ARM really does for Linux
/// is UNVERIFIED (no source documents it), so clients must not rely on either answer.
/// </summary>
internal static class InstanceRoutes
{
    private const string InstancesPath = SiteRoutes.SitePath + "/instances";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(InstancesPath, (HttpRequest request, string subscriptionId, string resourceGroup, string site, SandboxState state) =>
            SiteRoutes.WithSite(state, subscriptionId, resourceGroup, site, app =>
                ArmJson.List(app.Plan.Instances.Select(i => InstanceBody(request, app, i, state.Now)))));

        routes.MapGet(InstancesPath + "/{instanceId}", (HttpRequest request, string subscriptionId, string resourceGroup, string site, string instanceId, SandboxState state) =>
            WithInstance(state, subscriptionId, resourceGroup, site, instanceId, (app, instance) => ArmJson.Ok(InstanceBody(request, app, instance, state.Now))));

        routes.MapGet(InstancesPath + "/{instanceId}/processes", (HttpRequest request, string subscriptionId, string resourceGroup, string site, string instanceId, SandboxState state) =>
            WithInstance(state, subscriptionId, resourceGroup, site, instanceId, (app, instance) =>
                ArmJson.List(app.ProcessesOn(instance).All.Select(p => ProcessView.Create(app, instance, p, state.Now).ToArm(app.ResourceId, ArmJson.ScmBase(request, app))))));

        routes.MapGet(InstancesPath + "/{instanceId}/processes/{pid:int}", (HttpRequest request, string subscriptionId, string resourceGroup, string site, string instanceId, int pid, SandboxState state) =>
            WithProcess(state, subscriptionId, resourceGroup, site, instanceId, pid, (app, instance, process) =>
                ArmJson.Ok(ProcessView.Create(app, instance, process, state.Now).ToArm(app.ResourceId, ArmJson.ScmBase(request, app)))));

        // Kill: the process is replaced on that instance only (new pid, new start time, memory reset).
        routes.MapDelete(InstancesPath + "/{instanceId}/processes/{pid:int}", (string subscriptionId, string resourceGroup, string site, string instanceId, int pid, SandboxState state) =>
            WithProcess(state, subscriptionId, resourceGroup, site, instanceId, pid, (app, instance, process) =>
            {
                app.Kill(instance, process.Pid, state.Now);
                return Results.NoContent();
            }));

        routes.MapGet(InstancesPath + "/{instanceId}/processes/{pid:int}/dump", DumpAsync);
    }

    private static async Task DumpAsync(HttpContext context, string subscriptionId, string resourceGroup, string site, string instanceId, int pid, SandboxState state)
    {
        DumpPlan? plan = null;
        var result = WithProcess(state, subscriptionId, resourceGroup, site, instanceId, pid, (app, instance, process) =>
        {
            plan = CreateDumpPlan(context, app, instance, process, state.Now, zip: false);
            return Results.Empty;
        });
        if (plan is null)
        {
            await result.ExecuteAsync(context);
            return;
        }

        await DumpWriter.WriteAsync(context, plan);
    }

    /// <summary>The dump for a process: size from the applied fault, else the app's <c>dumpSizeBytes</c>, else 64 MiB.</summary>
    internal static DumpPlan CreateDumpPlan(HttpContext context, SimulatedApp app, SimulatedInstance instance, SimulatedProcess process, DateTimeOffset now, bool zip)
    {
        var fault = FaultMiddleware.AppliedFault(context);
        var name = process.Role == ProcessRole.Worker ? app.WorkerName : app.HelperName;
        var stamp = now.UtcDateTime.ToString("MM-dd-HH-mm-ss", System.Globalization.CultureInfo.InvariantCulture);
        var fileName = app.IsLinux ? $"core_{now.UtcDateTime:yyyyMMdd_HHmmss}" : $"{name}-{instance.Id[..6]}-{stamp}.dmp";
        return new DumpPlan(
            fault?.DumpSizeBytes ?? app.DumpSizeBytes ?? DumpWriter.DefaultSizeBytes,
            DumpWriter.Seed($"{app.Name.ToUpperInvariant()}/{instance.Id}/{process.Pid}"),
            app.IsLinux ? DumpWriter.ElfSignature : DumpWriter.MinidumpSignature,
            zip ? "application/zip" : "application/octet-stream",
            zip ? Path.ChangeExtension(fileName, ".zip") : fileName,
            zip ? fileName : null,
            fault?.BreakAfterBytes,
            now);
    }

    private static IResult WithInstance(SandboxState state, string subscriptionId, string resourceGroup, string site, string instanceId, Func<SimulatedApp, SimulatedInstance, IResult> action) =>
        SiteRoutes.WithSite(state, subscriptionId, resourceGroup, site, app => app.Plan.FindInstance(instanceId) is { } instance
            ? action(app, instance)
            : ArmErrors.NotFound("Microsoft.Web/sites/instances", $"{site}/{instanceId}", resourceGroup));

    private static IResult WithProcess(SandboxState state, string subscriptionId, string resourceGroup, string site, string instanceId, int pid, Func<SimulatedApp, SimulatedInstance, SimulatedProcess, IResult> action) =>
        WithInstance(state, subscriptionId, resourceGroup, site, instanceId, (app, instance) => app.ProcessesOn(instance).Find(pid) is { } process
            ? action(app, instance, process)
            : ArmErrors.NotFound("Microsoft.Web/sites/instances/processes", $"{site}/{instanceId}/{pid}", resourceGroup));

    // Shaped like the spec example GetSiteInstanceInfo (WebSiteInstanceStatus): state READY, STOPPED or UNKNOWN.
    private static object InstanceBody(HttpRequest request, SimulatedApp app, SimulatedInstance instance, DateTimeOffset now)
    {
        var sample = ScenarioModel.Sample(app, instance, now);
        var state = !sample.Running ? "STOPPED" : sample.HealthPercent > 0 ? "READY" : "UNKNOWN";
        return new
        {
            id = $"{app.ResourceId}/instances/{instance.Id}",
            name = instance.Id,
            type = "Microsoft.Web/sites/instances",
            properties = new
            {
                state,
                statusUrl = $"{ArmJson.ScmBase(request, app)}/api/processes",
                detectorUrl = $"{ArmJson.BaseUrl(request)}{app.ResourceId}/detectors",
            },
        };
    }
}
