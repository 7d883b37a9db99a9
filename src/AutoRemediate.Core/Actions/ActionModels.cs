using AutoRemediate.Shared;

namespace AutoRemediate.Actions;

// WARNING: travels in orchestration history. Add members only as optional ones at the end.

/// <summary>Input of <see cref="ActivityNames.ExecuteAction"/>: one approved plan, fully resolved.</summary>
/// <param name="ActionId">Deterministic (incident + rung): a retried or replayed activity finds its own journal row.</param>
/// <param name="IncidentId">The incident.</param>
/// <param name="TargetResourceId">The app.</param>
/// <param name="Plan">What to do.</param>
/// <param name="At">The orchestration's time when it asked.</param>
/// <param name="PlanResourceId">ScaleOut / ScaleUp: the App Service plan.</param>
/// <param name="InstanceId">RestartInstance: the instance.</param>
/// <param name="ProcessId">RestartInstance: the worker process to end.</param>
/// <param name="NewCapacity">ScaleOut: the instance count to reach.</param>
/// <param name="NewSku">ScaleUp: the SKU to reach.</param>
/// <param name="Sequence">Timeline position for the ActionTaken entry the activity writes (0: none).</param>
/// <param name="Approval">
/// The end of the approval step that let this plan go ahead (ApprovalNotNeeded, ApprovalGranted,
/// ProceedingAfterTimeout), written by the activity before it acts, as <see cref="ActivityNames.EndApproval"/>
/// would: one activity call fewer per rung in the history.
/// </param>
/// <param name="ThenVerifying">
/// The Verifying status's summary, set by the activity once the action is done: the verification that follows at
/// once then has no status of its own to write (<see cref="AutoRemediate.Workflow.VerificationInput.StatusWritten"/>),
/// which saves each rung an activity (a queue round trip, an orchestrator episode, two history rows). Null in
/// histories written before it existed, and then the verification writes it.
/// </param>
/// <param name="IncidentCreatedAt">
/// When the incident was created (<see cref="AutoRemediate.Workflow.AssessResult.CreatedAt"/>): with it the activity writes
/// its statuses and their list index rows in one round trip, without reading the incident first.
/// </param>
public sealed record ActionRequest(
    string ActionId, string IncidentId, string TargetResourceId, PlanKind Plan, DateTimeOffset At,
    string? PlanResourceId = null, string? InstanceId = null, int? ProcessId = null, int? NewCapacity = null, string? NewSku = null, int Sequence = 0,
    ApprovalStepEnd? Approval = null, string? ThenVerifying = null, DateTimeOffset? IncidentCreatedAt = null);

/// <summary>
/// The end of the approval step that let a plan go ahead, written by <see cref="ActivityNames.ExecuteAction"/>
/// before it acts, as EndApproval writes it: the incident stops waiting on a request, the entry goes on the
/// timeline, the status becomes Mitigating.
/// </summary>
/// <param name="Sequence">Timeline position.</param>
/// <param name="At">The orchestration's time when the step ended.</param>
/// <param name="Kind">ApprovalNotNeeded, ApprovalGranted or ProceedingAfterTimeout.</param>
/// <param name="Message">The entry's text (also the status summary).</param>
public sealed record ApprovalStepEnd(int Sequence, DateTimeOffset At, string Kind, string Message);

/// <summary>What the action did.</summary>
/// <param name="Done">The app is in the state the plan asked for (by this call or an earlier attempt).</param>
/// <param name="RequestSent">This attempt sent the change to Azure.</param>
/// <param name="Message">What happened, in words.</param>
/// <param name="VerifyingWritten">
/// The activity set the Verifying status (the request carried <see cref="ActionRequest.ThenVerifying"/>). False in
/// outcomes of an action scheduled before that existed: the verification then writes the status itself.
/// </param>
public sealed record ActionOutcome(bool Done, bool RequestSent, string Message, bool VerifyingWritten = false);

/// <summary>Input of <see cref="ActivityNames.FinishActions"/>.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="TargetResourceId">The app.</param>
public sealed record FinishActionsRequest(string IncidentId, string TargetResourceId);
