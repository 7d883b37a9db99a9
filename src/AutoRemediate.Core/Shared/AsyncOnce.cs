namespace AutoRemediate.Shared;

/// <summary>
/// Runs an asynchronous step until it has succeeded once, such as creating the table or container a
/// store writes to on its first use. Concurrent callers wait for the one attempt in progress; a failed
/// attempt (storage down) is tried again by the next caller, so nothing is cached but success.
/// </summary>
// Not IDisposable: the gate is a SemaphoreSlim whose wait handle is never used, so it holds nothing to free.
public sealed class AsyncOnce
{
    private readonly Func<CancellationToken, Task> _step;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _done;

    /// <summary>Creates the guard for <paramref name="step"/>.</summary>
    public AsyncOnce(Func<CancellationToken, Task> step)
    {
        ArgumentNullException.ThrowIfNull(step);
        _step = step;
    }

    /// <summary>Returns at once when the step has succeeded before; otherwise runs it (or waits for the run in progress).</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken = default)
    {
        if (_done)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_done)
            {
                await _step(cancellationToken).ConfigureAwait(false);
                _done = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
