using AutoRemediate.Decisions;
using AutoRemediate.Shared;

namespace AutoRemediate.Approvals;

// WARNING: the records below travel in orchestration history. Add members only as optional ones at the end.

/// <summary>Input of <see cref="ActivityNames.RequestApproval"/>.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="ApprovalId">This request's id (incident + rung): a decision must name it.</param>
/// <param name="Sequence">Timeline position.</param>
/// <param name="At">The orchestration's time.</param>
/// <param name="Decision">The plan, its reason and its warnings.</param>
/// <param name="ExpiresAt">When the request times out.</param>
public sealed record ApprovalRequest(string IncidentId, string ApprovalId, int Sequence, DateTimeOffset At, Decision Decision, DateTimeOffset ExpiresAt);

/// <summary>The <c>ApprovalDecision</c> event: somebody approved or rejected a proposed plan.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="ApprovalId">The request decided on; a decision for another request is ignored.</param>
/// <param name="Approved">True to go ahead.</param>
/// <param name="Approver">Who decided.</param>
/// <param name="Comment">Why, if they said.</param>
/// <param name="At">When.</param>
/// <param name="From">The client address the decision came from (an approval link), when known.</param>
public sealed record ApprovalDecisionEvent(string IncidentId, string ApprovalId, bool Approved, string Approver, string? Comment, DateTimeOffset At, string? From = null);

/// <summary>Input of <see cref="ActivityNames.EndApproval"/>.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="Sequence">Timeline position.</param>
/// <param name="At">The orchestration's time.</param>
/// <param name="Kind">ApprovalGranted, ApprovalRejected, ApprovalTimedOut, ApprovalWithdrawn.</param>
/// <param name="Message">What happened.</param>
/// <param name="Proceed">True when the plan goes ahead (the status becomes Mitigating).</param>
public sealed record ApprovalEnded(string IncidentId, int Sequence, DateTimeOffset At, string Kind, string Message, bool Proceed);

/// <summary>Input of <see cref="ActivityNames.ExpireApproval"/>.</summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="ApprovalId">The request that ends without a decision being seen.</param>
/// <param name="Sequence">Timeline position.</param>
/// <param name="At">The orchestration's time.</param>
/// <param name="Withdrawn">True when the alert resolved; false when the request timed out.</param>
/// <param name="Message">What happened, recorded unless a decision was claimed first.</param>
public sealed record ApprovalExpiry(string IncidentId, string ApprovalId, int Sequence, DateTimeOffset At, bool Withdrawn, string Message);
