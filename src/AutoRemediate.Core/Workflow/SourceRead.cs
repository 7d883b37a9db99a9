using AutoRemediate.Shared;

namespace AutoRemediate.Workflow;

/// <summary>
/// One read-only source of an activity that reads several (<see cref="DiagnoseActivities"/>, <see cref="OpeningActivities"/>):
/// the retries the orchestrator used to schedule per source, within a deadline the sources share.
/// </summary>
internal static class SourceRead
{
    // As WorkflowRetries.Diagnostics did per activity: 3 attempts, 1 s then 2 s apart.
    private static readonly TimeSpan[] s_retryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    /// <summary>
    /// Reads, retrying any failure, until <paramref name="deadline"/>. A failure that outlasts the retries
    /// or a timeout is added to <paramref name="failures"/> in the timeline's words and yields null.
    /// </summary>
    public static async Task<T?> ReadAsync<T>(Func<CancellationToken, Task<T>> read, string what, TimeSpan timeout, List<string> failures, CancellationToken deadline, CancellationToken stopping)
        where T : class
    {
        string failure;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // WaitAsync: a source that ignores the token cannot hold the activity past the deadline.
                return await read(deadline).WaitAsync(deadline).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !stopping.IsCancellationRequested)
            {
                failure = TimelineText.ReadTimedOut(what, timeout);
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failure = TimelineText.ReadFailed(what, ex.Message);
                if (attempt >= s_retryDelays.Length)
                {
                    break;
                }
            }

            try
            {
                await Task.Delay(s_retryDelays[attempt], deadline).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !stopping.IsCancellationRequested)
            {
                break; // the last failure stands
            }
        }

        lock (failures)
        {
            failures.Add(failure);
        }

        return null;
    }
}
