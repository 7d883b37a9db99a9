using AutoRemediate.Actions;
using AutoRemediate.Incidents;
using AutoRemediate.Ingest;
using Microsoft.Extensions.Logging;

namespace AutoRemediate;

/// <summary>Every log message Core writes, with stable event ids. Never logs secrets or tokens.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Alert {AlertId} target {TargetResourceId} ignored: {Reason}")]
    public static partial void TargetIgnored(ILogger logger, string alertId, string targetResourceId, string reason);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Incident {IncidentId} opened; remediation {InstanceId} started for {TargetResourceId}")]
    public static partial void RemediationStarted(ILogger logger, string incidentId, string instanceId, string targetResourceId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Alert {AlertId} joined running incident {IncidentId} ({Disposition})")]
    public static partial void AlertJoinedRunning(ILogger logger, string alertId, string incidentId, TargetDisposition disposition);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "Live marker {InstanceId} named incident {IncidentId}, whose remediation no longer runs; removed, the next alert starts a new incident")]
    public static partial void StaleLiveMarker(ILogger logger, string instanceId, string incidentId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Alert payload rejected with {ErrorCount} error(s): {Title}")]
    public static partial void AlertRejected(ILogger logger, int errorCount, string title);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "A dependency is unavailable ({ExceptionType}): {Detail}; answering 503")]
    public static partial void DependencyUnavailable(ILogger logger, string exceptionType, string detail);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "Storage refused a value of the request ({ErrorCode}); answering 400")]
    public static partial void DependencyRefusedValue(ILogger logger, string errorCode);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Alert {AlertId} acknowledged and ignored: {Reason}")]
    public static partial void AlertIgnored(ILogger logger, string alertId, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Event Grid delivery rejected: {Detail}")]
    public static partial void EventsRejected(ILogger logger, string detail);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "Event {EventId} ({EventType}) recorded on incident {IncidentId}")]
    public static partial void EventRecorded(ILogger logger, string eventId, string eventType, string incidentId);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Event {EventId} ({EventType}) acknowledged and ignored: {Reason}")]
    public static partial void EventIgnored(ILogger logger, string eventId, string eventType, string reason);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "Event Grid subscription validation answered for {EventId}")]
    public static partial void SubscriptionValidated(ILogger logger, string eventId);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Request to {Path} refused: {Reason}")]
    public static partial void Unauthorized(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Dump {BlobName} stored: {Bytes} bytes after {Attempts} attempt(s)")]
    public static partial void DumpStored(ILogger logger, string blobName, long bytes, int attempts);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Dump stream for {BlobName} broke on attempt {Attempt} ({ExceptionType}); fetching it again")]
    public static partial void DumpStreamBroke(ILogger logger, string blobName, int attempt, string exceptionType);

    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Incident {IncidentId} is being investigated")]
    public static partial void IncidentOpened(ILogger logger, string incidentId);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Incident {IncidentId} closed as {Status}")]
    public static partial void IncidentClosed(ILogger logger, string incidentId, IncidentStatus status);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Decision on incident {IncidentId} approval {ApprovalId} forwarded (approved: {Approved})")]
    public static partial void ApprovalForwarded(ILogger logger, string incidentId, string approvalId, bool approved);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Action {ActionId} ({Plan}) sent for {TargetResourceId}")]
    public static partial void ActionSent(ILogger logger, string actionId, PlanKind plan, string targetResourceId);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Action {ActionId} ({Plan}) was already done; not sent again")]
    public static partial void ActionAlreadyDone(ILogger logger, string actionId, PlanKind plan);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Incident {IncidentId} escalated: its workflow is no longer running ({Workflow})")]
    public static partial void StuckIncidentEscalated(ILogger logger, string incidentId, string workflow);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Decision on incident {IncidentId} approval {ApprovalId} refused: {Reason}")]
    public static partial void DecisionRefused(ILogger logger, string incidentId, string approvalId, string reason);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Information, Message = "Mail sent to {To}: {Subject}")]
    public static partial void MailSent(ILogger logger, string to, string subject);

    [LoggerMessage(EventId = 1450, Level = LogLevel.Information, Message = "Mail to {To} accepted by ACS Email as operation {OperationId}")]
    public static partial void AcsMailAccepted(ILogger logger, string to, string operationId);

    [LoggerMessage(EventId = 1451, Level = LogLevel.Warning, Message = "ACS Email operation {OperationId} ended {Status}: {ErrorCode}: {Detail}")]
    public static partial void AcsMailFailed(ILogger logger, string operationId, string status, string errorCode, string detail);

    [LoggerMessage(EventId = 1452, Level = LogLevel.Warning, Message = "ACS Email operation {OperationId} did not finish within {Timeout}")]
    public static partial void AcsMailTimedOut(ILogger logger, string operationId, TimeSpan timeout);

    [LoggerMessage(EventId = 2113, Level = LogLevel.Information, Message = "Mail delivered; the server did not answer QUIT ({Detail}), connection dropped")]
    public static partial void MailQuitUnanswered(ILogger logger, string detail);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Warning, Message = "Closing mail for incident {IncidentId} not sent with the close ({Detail}); the workflow retries it")]
    public static partial void OutcomeMailDeferred(ILogger logger, string incidentId, string detail);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Warning, Message = "Approval mail for incident {IncidentId} not sent ({ExceptionType}): {Detail}")]
    public static partial void MailFailed(ILogger logger, string incidentId, string exceptionType, string detail);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Approval link for incident {IncidentId} approval {ApprovalId} locked after {Tries} wrong codes")]
    public static partial void ApprovalLinkLocked(ILogger logger, string incidentId, string approvalId, int tries);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Approval link for incident {IncidentId} approval {ApprovalId}: {Outcome}")]
    public static partial void ApprovalLinkDecision(ILogger logger, string incidentId, string approvalId, string outcome);

    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Incident page sign-in refused: {Reason}")]
    public static partial void PageSignInRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Incident page sign-in of Entra user {ObjectId}")]
    public static partial void PageSignedIn(ILogger logger, string objectId);

    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Incident {IncidentId} cancel accepted ({Stage})")]
    public static partial void CancelAccepted(ILogger logger, string incidentId, string stage);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "Cancel of incident {IncidentId} refused: {Reason}")]
    public static partial void CancelRefused(ILogger logger, string incidentId, string reason);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Incident {IncidentId} cancelled before its workflow started")]
    public static partial void CancelledBeforeStart(ILogger logger, string incidentId);

    [LoggerMessage(EventId = 1350, Level = LogLevel.Information, Message = "Incident {Page} page refused a request with {Problems} bad parameter(s)")]
    public static partial void IncidentPageRefused(ILogger logger, string page, int problems);

    [LoggerMessage(EventId = 1380, Level = LogLevel.Information, Message = "Retention pass for incidents opened before {Cutoff:O}: {Purged} purged, {KeptLive} kept (live), {Rows} table rows, {Blobs} blobs, {Instances} workflow instances, {StaleMarkers} stale running markers deleted; more due: {MoreDue}")]
    public static partial void RetentionPassDone(ILogger logger, DateTimeOffset cutoff, int purged, int keptLive, int rows, int blobs, int instances, int staleMarkers, bool moreDue);

    [LoggerMessage(EventId = 1381, Level = LogLevel.Information, Message = "Incident {IncidentId} purged (past its retention)")]
    public static partial void RetentionIncidentPurged(ILogger logger, string incidentId);

    [LoggerMessage(EventId = 1382, Level = LogLevel.Information, Message = "Incident {IncidentId} is past its retention but live ({Reason}); kept")]
    public static partial void RetentionKeptLive(ILogger logger, string incidentId, string reason);

    [LoggerMessage(EventId = 1383, Level = LogLevel.Warning, Message = "Retention pass stopped ({ExceptionType}): {Detail}; the next pass finishes it")]
    public static partial void RetentionPassFailed(ILogger logger, string exceptionType, string detail);

    [LoggerMessage(EventId = 1470, Level = LogLevel.Warning, Message = "Health probe of {Part} failed: {Error}")]
    public static partial void HealthProbeFailed(ILogger logger, string part, string error);
}
