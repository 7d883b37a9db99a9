using AutoRemediate.Incidents;
using Microsoft.Extensions.Logging;

namespace AutoRemediate;

/// <summary>Every log message Core writes, with stable event ids. Never logs secrets or tokens.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Alert {AlertId} target {TargetResourceId} ignored: {Reason}")]
    public static partial void TargetIgnored(ILogger logger, string alertId, string targetResourceId, string reason);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Incident {IncidentId} opened; remediation {InstanceId} started for {TargetResourceId}")]
    public static partial void RemediationStarted(ILogger logger, string incidentId, string instanceId, string targetResourceId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Alert {AlertId} joined running incident {IncidentId}")]
    public static partial void AlertJoinedRunning(ILogger logger, string alertId, string incidentId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Alert payload rejected with {ErrorCount} error(s): {Title}")]
    public static partial void AlertRejected(ILogger logger, int errorCount, string title);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Incident storage unavailable ({ExceptionType}): {Detail}; answering 503")]
    public static partial void StorageUnavailable(ILogger logger, string exceptionType, string detail);

    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Incident {IncidentId} is being investigated")]
    public static partial void IncidentOpened(ILogger logger, string incidentId);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Incident {IncidentId} closed as {Status}")]
    public static partial void IncidentClosed(ILogger logger, string incidentId, IncidentStatus status);
}
