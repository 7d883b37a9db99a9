namespace AutoRemediate.DevHost;

/// <summary>The DevHost's log messages (event ids 8000–8099).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 8000, Level = LogLevel.Warning, Message = "Could not renew the queue lock of Durable work item {WorkItemId}; its message may be delivered again")]
    public static partial void WorkItemLockRenewalFailed(ILogger logger, string workItemId, Exception exception);

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "The Durable backend failed to stop cleanly; a restart takes its partition back all the same")]
    public static partial void DurableBackendStopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Warning, Message = "The Durable backend did not stop within {Timeout}; stopping the rest of the DevHost anyway")]
    public static partial void DurableBackendStopSlow(ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "Stopping {Step} took longer than {Timeout}; stopping the rest of the DevHost without waiting for it")]
    public static partial void StopStepSlow(ILogger logger, string step, TimeSpan timeout);

    [LoggerMessage(EventId = 8004, Level = LogLevel.Warning, Message = "Stopping {Step} failed; stopping the rest of the DevHost all the same")]
    public static partial void StopStepFailed(ILogger logger, string step, Exception exception);
}
