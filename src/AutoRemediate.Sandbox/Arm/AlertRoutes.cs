using System.Collections.Concurrent;
using AutoRemediate.Sandbox.Processes;
using AutoRemediate.Sandbox.State;

namespace AutoRemediate.Sandbox.Arm;

/// <summary>One alert instance the Sandbox knows, as a test or demo registered it.</summary>
/// <param name="SubscriptionId">The subscription in its id.</param>
/// <param name="AlertGuid">The alert instance GUID (lower case).</param>
/// <param name="MonitorCondition">Fired or Resolved.</param>
/// <param name="TargetResourceId">The resource it is about, if given.</param>
/// <param name="AlertRule">The rule's name, if given.</param>
/// <param name="StartedAt">When it was registered (startDateTime).</param>
/// <param name="ResolvedAt">When it was last set to Resolved.</param>
/// <param name="ModifiedAt">When it last changed.</param>
internal sealed record SimulatedAlert(
    string SubscriptionId, string AlertGuid, string MonitorCondition, string? TargetResourceId, string? AlertRule,
    DateTimeOffset StartedAt, DateTimeOffset? ResolvedAt, DateTimeOffset ModifiedAt);

/// <summary>Body of <c>PUT /sandbox/alerts/{alertGuid}</c>.</summary>
/// <param name="SubscriptionId">The subscription of the alert id.</param>
/// <param name="MonitorCondition">Fired or Resolved.</param>
/// <param name="TargetResourceId">The resource the alert is about.</param>
/// <param name="AlertRule">The rule's name.</param>
internal sealed record AlertRegistration(string? SubscriptionId, string? MonitorCondition, string? TargetResourceId = null, string? AlertRule = null);

/// <summary>
/// The alert instances the Sandbox answers for. The Sandbox evaluates no alert rules: a test or demo
/// registers an alert and sets its monitorCondition (Fired while the condition it simulates holds,
/// Resolved once it does not); alerts nobody registered are unknown (404), as an alert id Azure Monitor
/// never created (or deleted after 30 days) is.
/// </summary>
internal sealed class AlertRegistry
{
    private readonly ConcurrentDictionary<string, SimulatedAlert> _alerts = new(StringComparer.OrdinalIgnoreCase);

    public SimulatedAlert? Find(string subscriptionId, string alertGuid) =>
        _alerts.TryGetValue(alertGuid, out var alert) && string.Equals(alert.SubscriptionId, subscriptionId, StringComparison.OrdinalIgnoreCase) ? alert : null;

    public SimulatedAlert Set(string subscriptionId, string alertGuid, string condition, string? target, string? rule, DateTimeOffset now) =>
        _alerts.AddOrUpdate(
            alertGuid.ToLowerInvariant(),
            _ => new SimulatedAlert(subscriptionId, alertGuid.ToLowerInvariant(), condition, target, rule, now, condition == "Resolved" ? now : null, now),
            (_, old) => old with
            {
                SubscriptionId = subscriptionId,
                MonitorCondition = condition,
                TargetResourceId = target ?? old.TargetResourceId,
                AlertRule = rule ?? old.AlertRule,
                ResolvedAt = condition == "Resolved" ? (old.MonitorCondition == "Resolved" ? old.ResolvedAt : now) : null,
                ModifiedAt = now,
            });

    public IReadOnlyList<SimulatedAlert> Snapshot() => [.. _alerts.Values];

    public void Clear() => _alerts.Clear();
}

/// <summary>
/// Azure Monitor's alerts management API, one operation: Alerts_GetById,
/// <c>GET /subscriptions/{sub}/providers/Microsoft.AlertsManagement/alerts/{alertId}</c>, shaped like the
/// spec example (stable 2019-03-01): <c>properties.essentials.monitorCondition</c> Fired or Resolved.
/// Plus the control routes that register alerts and set their condition (<c>/sandbox/alerts</c>).
/// </summary>
internal static class AlertRoutes
{
    public const string AlertPath = "/subscriptions/{subscriptionId}/providers/Microsoft.AlertsManagement/alerts/{alertId}";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(AlertPath, (string subscriptionId, string alertId, AlertRegistry alerts) =>
            !Guid.TryParse(alertId, out _)
                ? ArmErrors.BadRequest($"The alert id '{alertId}' is not valid: it must be a GUID.", "InvalidParameter")
                : alerts.Find(subscriptionId, alertId) is { } alert
                    ? ArmJson.Ok(Body(alert))
                    : ArmErrors.Create(404, "ResourceNotFound", $"The alert '{alertId}' was not found in subscription '{subscriptionId}'."));

        routes.MapPut("/sandbox/alerts/{alertId}", (string alertId, AlertRegistration body, SandboxState state, AlertRegistry alerts) =>
        {
            var condition = body.MonitorCondition switch
            {
                { } c when c.Equals("Fired", StringComparison.OrdinalIgnoreCase) => "Fired",
                { } c when c.Equals("Resolved", StringComparison.OrdinalIgnoreCase) => "Resolved",
                _ => null,
            };
            if (!Guid.TryParse(alertId, out _) || !Guid.TryParse(body.SubscriptionId, out _) || condition is null)
            {
                return Results.BadRequest(new { error = "Give the alert GUID in the path, and subscriptionId (a GUID) and monitorCondition (Fired or Resolved) in the body." });
            }

            return Results.Ok(alerts.Set(body.SubscriptionId!, alertId, condition, body.TargetResourceId, body.AlertRule, state.Now));
        });

        routes.MapGet("/sandbox/alerts", (AlertRegistry alerts) => alerts.Snapshot());
    }

    private static object Body(SimulatedAlert alert)
    {
        var id = $"/subscriptions/{alert.SubscriptionId}/providers/Microsoft.AlertsManagement/alerts/{alert.AlertGuid}";
        var target = alert.TargetResourceId ?? $"/subscriptions/{alert.SubscriptionId}";
        var segments = target.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return new
        {
            properties = new
            {
                essentials = new
                {
                    severity = "Sev2",
                    signalType = "Metric",
                    alertState = "New",
                    monitorCondition = alert.MonitorCondition,
                    monitorService = "Platform",
                    targetResource = target,
                    targetResourceName = segments.LastOrDefault() ?? string.Empty,
                    targetResourceGroup = segments.Length > 3 && segments[2].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase) ? segments[3] : string.Empty,
                    targetResourceType = segments.Length > 1 ? segments[^2] : string.Empty,
                    sourceCreatedId = alert.AlertGuid,
                    alertRule = alert.AlertRule ?? string.Empty,
                    startDateTime = ProcessView.Iso(alert.StartedAt),
                    lastModifiedDateTime = ProcessView.Iso(alert.ModifiedAt),
                    lastModifiedUserName = "System",
                    monitorConditionResolvedDateTime = alert.ResolvedAt is { } r ? ProcessView.Iso(r) : null,
                    actionStatus = new { isSuppressed = false },
                    description = string.Empty,
                },
                egressConfig = new { },
                context = new { },
            },
            id,
            type = "Microsoft.AlertsManagement/alerts",
            name = alert.AlertRule ?? alert.AlertGuid,
        };
    }
}
