using AutoRemediate.Alerts;
using AutoRemediate.Incidents;

namespace AutoRemediate.Workflow;

// WARNING: every type in this file is persisted in orchestration history. In-flight instances replay
// against it: add members only as optional ones at the end, never rename, reorder or remove.

/// <summary>What starts a remediation.</summary>
/// <param name="IncidentId">The incident the ingest path created.</param>
/// <param name="TargetResourceId">The App Service resource to remediate.</param>
/// <param name="Signal">The alert that opened the incident.</param>
/// <param name="Settings">Tunables, fixed at start so replays see the same values.</param>
public sealed record RemediationInput(string IncidentId, string TargetResourceId, AlertSignal Signal, WorkflowSettings Settings);

/// <summary>Workflow tunables as carried in the orchestration input (see <see cref="WorkflowOptions"/>).</summary>
/// <param name="EscalationHold">How long an escalated incident stays live for repeats and resolution.</param>
public sealed record WorkflowSettings(TimeSpan EscalationHold);

/// <summary>How a remediation ended.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="Status">The final status.</param>
/// <param name="Summary">One sentence for on-call.</param>
public sealed record RemediationResult(string IncidentId, IncidentStatus Status, string Summary);

/// <summary>Input of <see cref="ActivityNames.OpenIncident"/>.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="Sequence">Timeline position for the "opened" entry.</param>
/// <param name="At">The orchestration's current time.</param>
/// <param name="Message">The timeline message.</param>
public sealed record OpenIncidentRequest(string IncidentId, int Sequence, DateTimeOffset At, string Message);

/// <summary>Input of <see cref="ActivityNames.CloseIncident"/>.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="Sequence">Timeline position for the closing entry.</param>
/// <param name="At">The orchestration's current time.</param>
/// <param name="Status">The final status.</param>
/// <param name="Summary">Why it ended this way.</param>
public sealed record CloseIncidentRequest(string IncidentId, int Sequence, DateTimeOffset At, IncidentStatus Status, string Summary);

/// <summary>A short summary of the target site, small enough for history.</summary>
/// <param name="Name">Site name.</param>
/// <param name="State">Running, Stopped, ...</param>
/// <param name="Kind">app, app,linux, ...</param>
/// <param name="Location">Region.</param>
/// <param name="ServerFarmId">The plan.</param>
public sealed record SiteSnapshot(string Name, string? State, string? Kind, string? Location, string? ServerFarmId);
