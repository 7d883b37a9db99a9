using Microsoft.DurableTask;

namespace AutoRemediate.Workflow;

/// <summary>The retry policies of the workflow's activities. Retries are durable timers, so they survive a restart of the host.</summary>
internal static class WorkflowRetries
{
    /// <summary>Transient failures of incident storage (throttling, a blip): about 15 s of retries.</summary>
    public static readonly TaskOptions Storage = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 5, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2.0, maxRetryInterval: TimeSpan.FromSeconds(30)));

    /// <summary>Read-only diagnostics: a few quick retries, then the workflow goes on without that source.</summary>
    public static readonly TaskOptions Diagnostics = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2.0));

    /// <summary>Actions are idempotent (journal + state check), so retrying one is safe.</summary>
    public static readonly TaskOptions Action = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromSeconds(2), backoffCoefficient: 2.0));

    /// <summary>
    /// The last write of a failed workflow (the incident escalated, with the reason): it must outlast
    /// an outage that already exhausted <see cref="Storage"/>, so about 50 minutes of retries
    /// (5 s doubling to 10 minutes apart, 12 attempts).
    /// </summary>
    public static readonly TaskOptions LastResort = TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: 12, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2.0, maxRetryInterval: TimeSpan.FromMinutes(10)));

    /// <summary>
    /// Mail: the SMTP server may be down for minutes. Several attempts, the first retry after
    /// <paramref name="first"/>, doubling up to 5 minutes apart; then the workflow records MailFailed and goes on.
    /// </summary>
    public static TaskOptions Mail(TimeSpan first, int attempts) => TaskOptions.FromRetryPolicy(
        new RetryPolicy(maxNumberOfAttempts: attempts, firstRetryInterval: first, backoffCoefficient: 2.0, maxRetryInterval: TimeSpan.FromMinutes(5)));
}
