using System.Collections.Concurrent;
using DurableTask.Core;
using DurableTask.Core.Query;

namespace AutoRemediate.DevHost;

/// <summary>
/// The Azure Storage orchestration service as the in-process gRPC sidecar needs it. A pass-through,
/// plus what the sidecar's dispatcher does not do itself:
/// <list type="bullet">
/// <item>It keeps the queue messages of running work hidden. The sidecar never renews work-item locks,
/// and the Azure Storage backend relies on renewals: without them a message would reappear while its
/// orchestration step or activity still ran, and run twice. Renewals stop when the work item is
/// completed, abandoned or released — or when the process dies, so that a killed DevHost's messages
/// come back within <see cref="DurableSidecar.MessageVisibility"/>.</item>
/// <item>It hands the backend sub-orchestration starts it can store. The sidecar builds a start's tags as a
/// protobuf <c>MapField</c>, which the Azure Storage backend writes with its .NET type name and cannot
/// load when it reads the message back; and it records the start in the parent's history as its own
/// subclass of <c>SubOrchestrationInstanceCreatedEvent</c>, whose fields the backend's table converter
/// does not see, so the row has no event type and the parent's history can no longer be read. Both
/// become the plain DurableTask.Core types, same content.</item>
/// <item>It makes stop safe in any order. The sidecar stops the backend from an <c>async void</c>
/// handler, where an exception would end the process; the Azure Storage service throws from
/// <c>StopAsync</c> when it never started (Ctrl+C before the worker connected), and may throw or never
/// end when storage is already gone, so the stop is bounded. A stop that comes before the start also
/// cancels that start.</item>
/// </list>
/// </summary>
internal sealed class SidecarOrchestrationService
    : IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServicePurgeClient, IOrchestrationServiceQueryClient
{
    private readonly IOrchestrationService _service;
    private readonly IOrchestrationServiceClient _client;
    private readonly TimeSpan _renewEvery;
    private readonly TimeSpan _stopTimeout;
    private readonly ILogger<SidecarOrchestrationService> _logger;
    private readonly ConcurrentDictionary<object, LockRenewal> _renewals = new(ReferenceEqualityComparer.Instance);
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _started;
    private bool _stopRequested;

    public SidecarOrchestrationService(IOrchestrationService service, TimeSpan renewEvery, TimeSpan stopTimeout, ILogger<SidecarOrchestrationService> logger)
    {
        _service = service;
        _client = (IOrchestrationServiceClient)service;
        _renewEvery = renewEvery;
        _stopTimeout = stopTimeout;
        _logger = logger;
    }

    /// <summary>Completes once the backend has stopped, or once a stop made its start moot.</summary>
    public Task Stopped => _stopped.Task;

    public int TaskOrchestrationDispatcherCount => _service.TaskOrchestrationDispatcherCount;

    public int MaxConcurrentTaskOrchestrationWorkItems => _service.MaxConcurrentTaskOrchestrationWorkItems;

    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => _service.EventBehaviourForContinueAsNew;

    public int TaskActivityDispatcherCount => _service.TaskActivityDispatcherCount;

    public int MaxConcurrentTaskActivityWorkItems => _service.MaxConcurrentTaskActivityWorkItems;

    public async Task StartAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            // The sidecar starts the backend once a worker connects, even when that happens during shutdown.
            if (!_started && !_stopRequested)
            {
                await _service.StartAsync().ConfigureAwait(false);
                _started = true;
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public Task StopAsync() => StopAsync(isForced: false);

    public async Task StopAsync(bool isForced)
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            var stop = _started && !_stopRequested;
            _stopRequested = true;
            if (stop)
            {
                // With storage gone the backend's stop never ends (its partition manager retries its
                // table read forever). Bounded, so that the lifecycle lock is released and Stopped
                // completes; the abandoned stop ends with the process.
                await _service.StopAsync(isForced).WaitAsync(_stopTimeout).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            Log.DurableBackendStopSlow(_logger, _stopTimeout);
        }
        catch (Exception ex)
        {
            Log.DurableBackendStopFailed(_logger, ex);
        }
        finally
        {
            _lifecycle.Release();
            _stopped.TrySetResult();
        }
    }

    /// <summary>Ends the lifecycle now when the backend never started (no worker ever connected).</summary>
    public async Task StopIfNotStartedAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_started)
            {
                _stopRequested = true;
                _stopped.TrySetResult();
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        var workItem = await _service.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken).ConfigureAwait(false);
        if (workItem is null)
        {
            ThrowIfStopping(cancellationToken);
        }
        else
        {
            KeepLocked(workItem, workItem.InstanceId, () => _service.RenewTaskOrchestrationWorkItemLockAsync(workItem));
        }

        // Null (no work: shutting down) is part of the contract; the interface predates nullable annotations.
        return workItem!;
    }

    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => _service.RenewTaskOrchestrationWorkItemLockAsync(workItem);

    public async Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem, OrchestrationRuntimeState newOrchestrationRuntimeState, IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages, TaskMessage continuedAsNewMessage, OrchestrationState orchestrationState)
    {
        await StopRenewingAsync(workItem).ConfigureAwait(false);
        PlainTags(orchestratorMessages);
        PlainTags(continuedAsNewMessage is null ? [] : [continuedAsNewMessage]);
        PlainEvents(newOrchestrationRuntimeState?.NewEvents);
        PlainEvents(newOrchestrationRuntimeState?.Events);
        NotEarly(timerMessages);
        await _service.CompleteTaskOrchestrationWorkItemAsync(
            workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState).ConfigureAwait(false);
    }

    public async Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        await StopRenewingAsync(workItem).ConfigureAwait(false);
        await _service.AbandonTaskOrchestrationWorkItemAsync(workItem).ConfigureAwait(false);
    }

    public async Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        await StopRenewingAsync(workItem).ConfigureAwait(false);
        await _service.ReleaseTaskOrchestrationWorkItemAsync(workItem).ConfigureAwait(false);
    }

    public async Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        var workItem = await _service.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken).ConfigureAwait(false);
        if (workItem is null)
        {
            ThrowIfStopping(cancellationToken);
        }
        else
        {
            KeepLocked(workItem, workItem.Id, () => _service.RenewTaskActivityWorkItemLockAsync(workItem));
        }

        // Null (no work: shutting down) is part of the contract; the interface predates nullable annotations.
        return workItem!;
    }

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => _service.RenewTaskActivityWorkItemLockAsync(workItem);

    public async Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        await StopRenewingAsync(workItem).ConfigureAwait(false);
        await _service.CompleteTaskActivityWorkItemAsync(workItem, responseMessage).ConfigureAwait(false);
    }

    public async Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem)
    {
        await StopRenewingAsync(workItem).ConfigureAwait(false);
        await _service.AbandonTaskActivityWorkItemAsync(workItem).ConfigureAwait(false);
    }

    public Task CreateAsync() => _service.CreateAsync();

    public Task CreateAsync(bool recreateInstanceStore) => _service.CreateAsync(recreateInstanceStore);

    public Task CreateIfNotExistsAsync() => _service.CreateIfNotExistsAsync();

    public Task DeleteAsync() => _service.DeleteAsync();

    public Task DeleteAsync(bool deleteInstanceStore) => _service.DeleteAsync(deleteInstanceStore);

    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => _service.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);

    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => _service.GetDelayInSecondsAfterOnProcessException(exception);

    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => _service.GetDelayInSecondsAfterOnFetchException(exception);

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage) => _client.CreateTaskOrchestrationAsync(creationMessage);

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[] dedupeStatuses) => _client.CreateTaskOrchestrationAsync(creationMessage, dedupeStatuses);

    public Task SendTaskOrchestrationMessageAsync(TaskMessage message) => _client.SendTaskOrchestrationMessageAsync(message);

    public Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages) => _client.SendTaskOrchestrationMessageBatchAsync(messages);

    public Task<OrchestrationState> WaitForOrchestrationAsync(string instanceId, string executionId, TimeSpan timeout, CancellationToken cancellationToken) =>
        _client.WaitForOrchestrationAsync(instanceId, executionId, timeout, cancellationToken);

    public Task ForceTerminateTaskOrchestrationAsync(string instanceId, string reason) => _client.ForceTerminateTaskOrchestrationAsync(instanceId, reason);

    public Task<IList<OrchestrationState>> GetOrchestrationStateAsync(string instanceId, bool allExecutions) => _client.GetOrchestrationStateAsync(instanceId, allExecutions);

    public Task<OrchestrationState> GetOrchestrationStateAsync(string instanceId, string executionId) => _client.GetOrchestrationStateAsync(instanceId, executionId);

    public Task<string> GetOrchestrationHistoryAsync(string instanceId, string executionId) => _client.GetOrchestrationHistoryAsync(instanceId, executionId);

    public Task PurgeOrchestrationHistoryAsync(DateTime thresholdDateTimeUtc, OrchestrationStateTimeRangeFilterType timeRangeFilterType) =>
        _client.PurgeOrchestrationHistoryAsync(thresholdDateTimeUtc, timeRangeFilterType);

    public Task<PurgeResult> PurgeInstanceStateAsync(string instanceId) => ((IOrchestrationServicePurgeClient)_service).PurgeInstanceStateAsync(instanceId);

    public Task<PurgeResult> PurgeInstanceStateAsync(PurgeInstanceFilter purgeInstanceFilter) => ((IOrchestrationServicePurgeClient)_service).PurgeInstanceStateAsync(purgeInstanceFilter);

    public Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken) =>
        ((IOrchestrationServiceQueryClient)_service).GetOrchestrationWithQueryAsync(query, cancellationToken);

    /// <summary>
    /// Keeps durable timers from firing early. The Azure Storage backend hides a timer's queue message for
    /// <c>FireAt − now</c>, and the queue service takes that in whole seconds, rounded down: a timer due in 0.9 s (a
    /// 1-second poll, less the step that set it) became visible at once and fired 0.9 s early, every time, so a
    /// verification with 1-second polls ran its polls back to back and could use them all up before the app had been
    /// healthy for long enough. One second more before the rounding makes every timer fire at its time or after it (at
    /// most a second late). The orchestration matches the fired event to its timer by id, not by time.
    /// </summary>
    internal static void NotEarly(IEnumerable<TaskMessage>? timers)
    {
        foreach (var message in timers ?? [])
        {
            if (message.Event is DurableTask.Core.History.TimerFiredEvent fired)
            {
                fired.FireAt = fired.FireAt.AddSeconds(1);
            }
        }
    }

    private static void PlainTags(IEnumerable<TaskMessage>? messages)
    {
        foreach (var message in messages ?? [])
        {
            if (message?.Event is DurableTask.Core.History.ExecutionStartedEvent { Tags: { } tags } started && tags.GetType() != typeof(Dictionary<string, string>))
            {
                started.Tags = new Dictionary<string, string>(tags);
            }
        }
    }

    private static void PlainEvents(IList<DurableTask.Core.History.HistoryEvent>? events)
    {
        for (var i = 0; i < (events?.Count ?? 0); i++)
        {
            if (events![i] is DurableTask.Core.History.SubOrchestrationInstanceCreatedEvent created && created.GetType() != typeof(DurableTask.Core.History.SubOrchestrationInstanceCreatedEvent))
            {
                events[i] = new DurableTask.Core.History.SubOrchestrationInstanceCreatedEvent(created.EventId)
                {
                    Name = created.Name,
                    Version = created.Version,
                    Input = created.Input,
                    InstanceId = created.InstanceId,
                    Timestamp = created.Timestamp,
                    IsPlayed = created.IsPlayed,
                };
            }
        }
    }

    // The backend answers a cancelled wait with null, but the sidecar's dispatcher leaves its fetch loop
    // only on OperationCanceledException: given null it asks again at once, and spins until the worker
    // disconnects — which kept the backend from stopping while the worker was still connected.
    private static void ThrowIfStopping(CancellationToken cancellationToken) => cancellationToken.ThrowIfCancellationRequested();

    private void KeepLocked(object workItem, string id, Func<Task> renew)
    {
        var renewal = new LockRenewal(id, renew, _renewEvery, _logger);
        if (!_renewals.TryAdd(workItem, renewal))
        {
            // A work item object is handed out once; never expected, but never renew one item twice.
            _ = renewal.StopAsync();
        }
    }

    private async Task StopRenewingAsync(object workItem)
    {
        if (_renewals.TryRemove(workItem, out var renewal))
        {
            await renewal.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Renews one work item's lock on a timer. <see cref="StopAsync"/> returns only after any renewal in
    /// flight has finished: a renewal gives the queue message a new pop receipt, and a completion racing
    /// it would delete with the old one and fail.
    /// </summary>
    private sealed class LockRenewal
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public LockRenewal(string id, Func<Task> renew, TimeSpan every, ILogger logger)
        {
            _loop = Task.Run(() => RenewUntilStoppedAsync(id, renew, every, logger, _stop.Token), CancellationToken.None);
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
            _stop.Dispose();
        }

        private static async Task RenewUntilStoppedAsync(string id, Func<Task> renew, TimeSpan every, ILogger logger, CancellationToken stop)
        {
            using var timer = new PeriodicTimer(every);
            try
            {
                while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
                {
                    try
                    {
                        await renew().ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        // The next tick tries again; if the lock is really gone, the backend's own
                        // duplicate detection handles the second delivery.
                        Log.WorkItemLockRenewalFailed(logger, id, ex);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped: the work item was completed, abandoned or released.
            }
        }
    }
}
