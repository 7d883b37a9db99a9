using AutoRemediate.Actions;
using AutoRemediate.Alerts;
using AutoRemediate.Approvals;
using AutoRemediate.Decisions;
using AutoRemediate.Evidence;
using AutoRemediate.Incidents;
using AutoRemediate.Notify;
using AutoRemediate.Shared;
using Microsoft.DurableTask;

namespace AutoRemediate.Workflow;

/// <summary>
/// The running state of one remediation, and the small activity calls every step makes. It lives in
/// the orchestrator's memory only and is rebuilt on replay: the timeline sequence, and the one
/// outstanding wait per external event (an abandoned second wait would swallow the next event of that
/// name). Deterministic like the orchestrator: no clock but the context's, no I/O but activities.
/// </summary>
internal sealed class RemediationFlow
{
    private int _sequence;
    private Task<AlertResolvedEvent>? _resolved;
    private Task<ApprovalDecisionEvent>? _decision;
    private Task<CancelRequestedEvent>? _cancel;
    private readonly List<Task<MailResult?>> _approvalMails = [];
    private readonly List<TimelineEntry> _deferred = [];
    private ApprovalEnded? _approvalEnd;

    public RemediationFlow(TaskOrchestrationContext context, RemediationInput input)
    {
        Context = context;
        Input = input;
    }

    public TaskOrchestrationContext Context { get; }

    public RemediationInput Input { get; }

    public WorkflowSettings Settings => Input.Settings;

    public TimeSpan DiagnosticsTimeout => Settings.DiagnosticsTimeout ?? WorkflowSettings.DefaultDiagnosticsTimeout;

    public TimeSpan MetricsLookback => Settings.MetricsLookback ?? WorkflowSettings.DefaultMetricsLookback;

    public TimeSpan ApprovalTimeout => Settings.ApprovalTimeout ?? WorkflowSettings.DefaultApprovalTimeout;

    /// <summary>How long a request for <paramref name="plan"/> waits: its own timeout, else the general one.</summary>
    public TimeSpan ApprovalTimeoutFor(PlanKind plan) => Settings.ApprovalTimeouts?.GetValueOrDefault(plan) is { } own && own > TimeSpan.Zero ? own : ApprovalTimeout;

    public TimeSpan VerifyInterval => Settings.VerifyInterval ?? WorkflowSettings.DefaultVerifyInterval;

    public TimeSpan VerifyHealthyFor => Settings.VerifyHealthyFor ?? WorkflowSettings.DefaultVerifyHealthyFor;

    public TimeSpan VerifyDeadline => Settings.VerifyDeadline ?? WorkflowSettings.DefaultVerifyDeadline;

    /// <summary>What the diagnostics found, as the current rung sees it (for the approval mail).</summary>
    public IncidentFindings? Findings { get; set; }

    /// <summary>The memory dump taken before the plan, if one was stored (for the approval mail).</summary>
    public DumpOutcome? Dump { get; set; }

    private TaskOptions MailRetry => WorkflowRetries.Mail(
        Settings.MailRetryInterval ?? WorkflowSettings.DefaultMailRetryInterval, Settings.MailAttempts ?? WorkflowSettings.DefaultMailAttempts);

    /// <summary>The next timeline position.</summary>
    public int Next() => ++_sequence;

    /// <summary>Goes on after a sub-orchestration that wrote timeline entries from <paramref name="next"/> on.</summary>
    public void ContinueFrom(int next) => _sequence = Math.Max(_sequence, next - 1);

    public Task<AlertResolvedEvent> Resolved() => _resolved ??= Context.WaitForExternalEvent<AlertResolvedEvent>(EventNames.AlertResolved);

    public void ResolvedConsumed() => _resolved = null;

    public Task<ApprovalDecisionEvent> Decision() => _decision ??= Context.WaitForExternalEvent<ApprovalDecisionEvent>(EventNames.ApprovalDecision);

    public void DecisionConsumed() => _decision = null;

    /// <summary>The one wait for a cancel; never consumed (once cancelled, the workflow ends).</summary>
    public Task<CancelRequestedEvent> Cancel() => _cancel ??= Context.WaitForExternalEvent<CancelRequestedEvent>(EventNames.CancelRequested);

    /// <summary>The plans carried out so far (for the Cancelled summary).</summary>
    public List<PlanKind> Done { get; } = [];

    /// <summary>
    /// Between steps: stops the workflow when a cancel has arrived. A zero-wait look, deterministic like the
    /// one for a resolution: on replay the event has been delivered at the same point of the history.
    /// </summary>
    public void ThrowIfCancelled()
    {
        if (Cancel() is { IsCompleted: true } cancel)
        {
            throw new IncidentCancelledException(cancel.Result);
        }
    }

    public Task<bool> RecordAsync(string kind, string message) => RecordAsync([(kind, message)]);

    /// <summary>
    /// Several entries in one activity call: one pair of history events instead of one per entry. Entries
    /// deferred with <see cref="Defer"/> go first, in the same call.
    /// </summary>
    public Task<bool> RecordAsync(IReadOnlyList<(string Kind, string Message)> entries)
    {
        var all = _deferred.Concat(entries.Select(e => new TimelineEntry(Input.IncidentId, Next(), Context.CurrentUtcDateTime, e.Kind, e.Message))).ToArray();
        _deferred.Clear();
        return all.Length == 0
            ? Task.FromResult(true)
            : Context.CallActivityAsync<bool>(ActivityNames.RecordTimeline, all, WorkflowRetries.Storage);
    }

    /// <summary>
    /// Takes timeline positions and times for entries now, but writes them with the next
    /// <see cref="RecordAsync(IReadOnlyList{ValueTuple{string, string}})"/> (or <see cref="FlushAsync"/>):
    /// one RecordTimeline call, four history rows, fewer per incident. The timeline reads the same.
    /// </summary>
    public void Defer(IEnumerable<(string Kind, string Message)> entries) =>
        _deferred.AddRange(entries.Select(e => new TimelineEntry(Input.IncidentId, Next(), Context.CurrentUtcDateTime, e.Kind, e.Message)));

    /// <summary>
    /// The plan goes ahead: the end of the approval step (<paramref name="kind"/>, status Mitigating) takes its
    /// timeline position now and is written by ExecuteAction (<see cref="TakeApprovalEnd"/>), or by
    /// <see cref="FlushAsync"/> when the workflow ends before acting.
    /// </summary>
    public void Proceed(string kind, string message) =>
        _approvalEnd = new ApprovalEnded(Input.IncidentId, Next(), Context.CurrentUtcDateTime, kind, message, Proceed: true);

    /// <summary>The approval end the action request carries (see <see cref="Proceed"/>), once.</summary>
    public ApprovalEnded? TakeApprovalEnd()
    {
        var end = _approvalEnd;
        _approvalEnd = null;
        return end;
    }

    /// <summary>Writes what was deferred and not written yet (an approval end, timeline entries); before the incident closes.</summary>
    public async Task FlushAsync()
    {
        if (TakeApprovalEnd() is { } end)
        {
            await Context.CallActivityAsync<bool>(ActivityNames.EndApproval, end, WorkflowRetries.Storage);
        }

        if (_deferred.Count > 0)
        {
            await RecordAsync([]);
        }
    }

    public Task<ApprovalDecisionEvent?> ExpireApprovalAsync(string approvalId, bool withdrawn, string message) =>
        Context.CallActivityAsync<ApprovalDecisionEvent?>(ActivityNames.ExpireApproval,
            new ApprovalExpiry(Input.IncidentId, approvalId, Next(), Context.CurrentUtcDateTime, withdrawn, message), WorkflowRetries.Storage);

    public Task<bool> EndApprovalAsync(string kind, string message, bool proceed) =>
        Context.CallActivityAsync<bool>(ActivityNames.EndApproval,
            new ApprovalEnded(Input.IncidentId, Next(), Context.CurrentUtcDateTime, kind, message, proceed), WorkflowRetries.Storage);

    public Task<bool> FinishActionsAsync() =>
        Context.CallActivityAsync<bool>(ActivityNames.FinishActions, new FinishActionsRequest(Input.IncidentId, Input.TargetResourceId), WorkflowRetries.Storage);

    /// <summary>
    /// Closes the incident (the closing entry and status) and tells the approvers how it ended when an approval mail
    /// reached them (waiting first for approval mails still retrying). The close sends that short mail itself, once;
    /// when it could not, <see cref="ActivityNames.NotifyOutcome"/> sends it with durable retries, and a mail that
    /// still cannot go is recorded as MailFailed. Mail never fails the incident.
    /// </summary>
    public async Task<bool> CloseAsync(IncidentStatus status, string summary, DateTimeOffset? liveUntil = null)
    {
        await FlushAsync();
        // Whether an approval mail reached somebody is known now unless a mailing is still retrying (a deterministic
        // look: on replay the same mailings have completed at this point). A retrying mailing never holds the close
        // up: the incident closes, and the closing mail follows once the mailing has ended.
        var known = _approvalMails.All(t => t.IsCompleted);
        var mailed = known && _approvalMails.Any(t => t.Result is { To.Count: > 0 });
        var closedWithMail = await Context.CallActivityAsync<bool>(ActivityNames.CloseIncident,
            new CloseIncidentRequest(Input.IncidentId, Next(), Context.CurrentUtcDateTime, status, summary, liveUntil, Input.TargetResourceId, mailed ? Input.Signal.AlertRule : null),
            WorkflowRetries.Storage);
        if (!known)
        {
            mailed = (await Task.WhenAll(_approvalMails)).Any(m => m is { To.Count: > 0 });
            closedWithMail = false;
        }

        _approvalMails.Clear();
        if (mailed && !closedWithMail)
        {
            try
            {
                await Context.CallActivityAsync<MailResult>(ActivityNames.NotifyOutcome,
                    new OutcomeMailRequest(Input.IncidentId, Input.TargetResourceId, Input.Signal.AlertRule, status, summary, Context.CurrentUtcDateTime), MailRetry);
            }
            catch (TaskFailedException ex)
            {
                await RecordAsync(TimelineKinds.MailFailed, TimelineText.MailFailed("the closing mail", ex.FailureDetails.ErrorMessage));
            }
        }

        return true;
    }

    /// <summary>
    /// Mails the approvers, without waiting: the approval wait (and its timer) must not depend on the mail
    /// server. The mailing writes its outcome at the position <paramref name="request"/> keeps
    /// (ApprovalMailed, or MailFailed once its retries ran out), so it never collides with later entries.
    /// </summary>
    public void StartApprovalMail(ApprovalMailRequest request) => _approvalMails.Add(MailApproversAsync(request));

    /// <summary>True when an approval mail of this incident has reached somebody (only those hear a reminder).</summary>
    public bool ApprovalMailReachedSomebody => _approvalMails.Any(t => t.IsCompletedSuccessfully && t.Result is { To.Count: > 0 });

    /// <summary>How long before a request expires its approvers are reminded.</summary>
    public TimeSpan ApprovalReminder => Settings.ApprovalReminder ?? WorkflowSettings.DefaultApprovalReminder;

    private async Task<MailResult?> MailApproversAsync(ApprovalMailRequest request)
    {
        try
        {
            return await Context.CallActivityAsync<MailResult>(ActivityNames.NotifyApprovers, request, MailRetry);
        }
        catch (TaskFailedException ex)
        {
            await Context.CallActivityAsync<bool>(ActivityNames.RecordTimeline,
                new[] { new TimelineEntry(Input.IncidentId, request.Sequence, Context.CurrentUtcDateTime, TimelineKinds.MailFailed, TimelineText.MailFailed("the approval request", ex.FailureDetails.ErrorMessage)) },
                WorkflowRetries.Storage);
            return null;
        }
    }
}

/// <summary>Thrown between steps once a cancel arrived; the orchestrator closes the incident Cancelled.</summary>
internal sealed class IncidentCancelledException(CancelRequestedEvent cancel) : Exception("The incident was cancelled.")
{
    public CancelRequestedEvent Cancel { get; } = cancel;
}
