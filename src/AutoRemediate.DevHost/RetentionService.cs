using AutoRemediate.Retention;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace AutoRemediate.DevHost;

/// <summary>
/// The DevHost's equivalent of the Function App's retention timer: the same Core entry point
/// (<see cref="RetentionPurger"/>), one pass every <see cref="RetentionOptions.DevHostInterval"/> (the first one an
/// interval after start, so starting the DevHost never deletes anything at once). A pass that fails is logged and the
/// next one finishes it.
/// </summary>
internal sealed class RetentionService(RetentionPurger purger, DurableTaskClient client, IOptions<RetentionOptions> options, TimeProvider time) : BackgroundService
{
    /// <summary>Passes run so far (finished or failed), for tests that wait for one.</summary>
    public int Passes => Volatile.Read(ref _passes);

    private int _passes;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.DevHostInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            await purger.TryRunOnceAsync(client, stoppingToken).ConfigureAwait(false);
            Interlocked.Increment(ref _passes);
        }
    }
}
