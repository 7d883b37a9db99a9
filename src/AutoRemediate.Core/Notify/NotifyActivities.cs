using AutoRemediate.Approvals;
using AutoRemediate.Incidents;
using AutoRemediate.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Notify;

/// <summary>
/// The mail activities. An approval mail's link token and one-time code are issued, composed into the
/// mail and sent within <see cref="NotifyApproversAsync"/>: they never leave it (not in its result, not
/// in history, not in a log). A failure to send throws, so the workflow's retry policy tries again.
/// </summary>
public sealed class NotifyActivities
{
    private readonly IIncidentStore _store;
    private readonly IMailSender _sender;
    private readonly MailOptions _mail;
    private readonly ApproverOptions _approvers;
    private readonly IApprovalLinks? _links;
    private readonly ILogger<NotifyActivities> _logger;

    /// <summary>Creates the activities. <paramref name="links"/> is needed only when mail is configured.</summary>
    public NotifyActivities(IIncidentStore store, IMailSender sender, IOptions<MailOptions> mail, IOptions<ApproverOptions> approvers,
        ILogger<NotifyActivities> logger, IApprovalLinks? links = null)
    {
        ArgumentNullException.ThrowIfNull(mail);
        ArgumentNullException.ThrowIfNull(approvers);
        _store = store;
        _sender = sender;
        _mail = mail.Value;
        _approvers = approvers.Value;
        _links = links;
        _logger = logger;
    }

    /// <summary>
    /// <see cref="ActivityNames.NotifyApprovers"/>: one new link per approver, one mail each, sent over one
    /// connection; then ApprovalMailed on the timeline at the kept position (to whom, or why nobody).
    /// A retry after a partial send issues new links (earlier ones stay valid until the request ends).
    /// </summary>
    public async Task<MailResult> NotifyApproversAsync(ApprovalMailRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var to = _approvers.For(request.TargetResourceId);
        string? nobody = !_mail.IsConfigured
            ? $"Mail is not configured ({_mail.ConfiguredBy}): nobody was mailed about this request."
            : to.Count == 0
                ? $"No approvers are configured for this app ({ApproverOptions.SectionName}): nobody was mailed about this request."
                : null;
        if (nobody is not null)
        {
            await RecordAsync(request, nobody, cancellationToken).ConfigureAwait(false);
            return new MailResult(_mail.IsConfigured, []);
        }

        if (request.Findings is null)
        {
            // What the diagnostics found, as the timeline says it (DiagnosticsCollected): the workflow does not carry
            // the text in this request, which the history keeps.
            var timeline = await _store.GetTimelineAsync(request.IncidentId, cancellationToken).ConfigureAwait(false);
            if (timeline.LastOrDefault(e => e.Kind == TimelineKinds.DiagnosticsCollected)?.Message is { } found)
            {
                request = request with { Findings = found.Length <= ApprovalMail.MaxText ? found : found[..ApprovalMail.MaxText] };
            }
        }

        var links = _links ?? throw new InvalidOperationException("Mail is configured but no approval link service is registered.");
        var mails = new List<OutgoingMail>(to.Count);
        foreach (var approver in to)
        {
            var issued = await links.IssueAsync(
                new ApprovalInvite(request.IncidentId, request.ApprovalId, approver, request.Decision.Plan.ToString(), request.ExpiresAt), cancellationToken).ConfigureAwait(false);
            mails.Add(new OutgoingMail(approver, ApprovalMail.Request(request, ApprovalLinkRoutes.For(_mail.PublicBaseUrl!, issued.Token), issued.Code)));
        }

        try
        {
            await _sender.SendAsync(mails, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.MailFailed(_logger, request.IncidentId, ex.GetType().Name, Display.FirstLine(ex.Message));
            throw;
        }

        await RecordAsync(request, $"{(request.Reminder ? "Reminder of the approval request" : "Approval request")} mailed to {string.Join(", ", to)}.", cancellationToken).ConfigureAwait(false);
        return new MailResult(true, to);
    }

    /// <summary><see cref="ActivityNames.NotifyOutcome"/>: the short closing mail to the same approvers. Nothing when mail is not configured.</summary>
    public async Task<MailResult> NotifyOutcomeAsync(OutcomeMailRequest outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var to = _approvers.For(outcome.TargetResourceId);
        if (!_mail.IsConfigured || to.Count == 0)
        {
            return new MailResult(_mail.IsConfigured, []);
        }

        var content = ApprovalMail.Outcome(outcome);
        await _sender.SendAsync([.. to.Select(a => new OutgoingMail(a, content))], cancellationToken).ConfigureAwait(false);
        return new MailResult(true, to);
    }

    private Task RecordAsync(ApprovalMailRequest request, string message, CancellationToken cancellationToken) =>
        _store.AppendTimelineAsync(new TimelineEntry(request.IncidentId, request.Sequence, request.At, TimelineKinds.ApprovalMailed, message), cancellationToken);
}
