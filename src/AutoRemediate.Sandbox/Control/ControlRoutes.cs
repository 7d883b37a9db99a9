using AutoRemediate.Sandbox.Arm;
using AutoRemediate.Sandbox.Email;
using AutoRemediate.Sandbox.Faults;
using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox.Control;

/// <summary>
/// The test harness's routes under <c>/sandbox/*</c> (no auth, not logged): the simulated apps and
/// plans with their counters, the request log, reset, and fault injection.
/// </summary>
internal static class ControlRoutes
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/sandbox/apps", (HttpRequest request, SandboxState state) => state.Apps.Select(app =>
        {
            var plan = app.Plan;
            lock (plan.Gate)
            {
                plan.Refresh(state.Now);
                return new
                {
                    resourceId = app.ResourceId,
                    name = app.Name,
                    planResourceId = app.PlanResourceId,
                    scenario = app.Scenario,
                    state = app.State,
                    kind = app.Kind,
                    isLinux = app.IsLinux,
                    instanceCount = plan.Capacity,
                    instanceIds = plan.Instances.Select(i => i.Id).ToArray(),
                    scmUrl = ArmJson.ScmBase(request, app),
                    restartCount = app.RestartCount,
                    slotRestartCount = app.SlotRestartCount,
                    killCount = app.KillCount,
                    planSkuName = plan.Sku.Name,
                    planSkuTier = plan.Sku.Tier,
                    planCapacity = plan.Capacity,
                    scaleOperations = plan.ScaleOperations,
                    slots = app.Slots,
                    healthCheckPath = app.HealthCheckPath,
                    basicAuthEnabled = app.BasicAuth is not null,
                    dotnetMonitor = app.DotnetMonitor,
                };
            }
        }).ToArray());

        routes.MapGet("/sandbox/plans", (SandboxState state) => state.Plans.Select(plan =>
        {
            lock (plan.Gate)
            {
                plan.Refresh(state.Now);
                return new
                {
                    resourceId = plan.ResourceId,
                    name = plan.Name,
                    kind = plan.Kind,
                    sku = new { name = plan.Sku.Name, tier = plan.Sku.Tier, size = plan.Sku.Size, family = plan.Sku.Family, capacity = plan.Capacity },
                    maximumNumberOfWorkers = plan.MaximumNumberOfWorkers,
                    instanceIds = plan.Instances.Select(i => i.Id).ToArray(),
                    scaleOperations = plan.ScaleOperations,
                    autoscaleAdjustments = plan.AutoscaleAdjustments,
                    lroMode = plan.LroMode,
                    pendingOperationId = plan.Pending?.Id,
                    autoscale = plan.Autoscale is { } a
                        ? new { resourceId = plan.AutoscaleResourceId, name = a.Name, enabled = a.Enabled, minimum = a.Minimum, maximum = a.Maximum, @default = a.Default }
                        : null,
                    apps = plan.Apps.Select(a => a.Name).ToArray(),
                };
            }
        }).ToArray());

        routes.MapGet("/sandbox/requests", (RequestLog log) => log.Snapshot());

        routes.MapGet("/sandbox/emails", (EmailStore emails) => emails.Snapshot());

        routes.MapPost("/sandbox/reset", (SandboxState state, FaultStore faults, RequestLog log, AlertRegistry alerts, EmailStore emails) =>
        {
            emails.Clear();
            state.Reset();
            faults.Clear();
            alerts.Clear();
            log.Clear();
            return Results.NoContent();
        });

        routes.MapPost("/sandbox/faults", (FaultRequest request, FaultStore faults) =>
        {
            var (rule, problem) = faults.Add(request);
            return rule is null
                ? Results.BadRequest(new { error = problem })
                : Results.Created($"/sandbox/faults/{rule.Id}", new { id = rule.Id });
        });

        routes.MapGet("/sandbox/faults", (FaultStore faults) => faults.Snapshot());

        routes.MapDelete("/sandbox/faults", (FaultStore faults) =>
        {
            faults.Clear();
            return Results.NoContent();
        });

        routes.MapDelete("/sandbox/faults/{id}", (string id, FaultStore faults) => faults.Remove(id) ? Results.NoContent() : Results.NotFound());
    }
}
