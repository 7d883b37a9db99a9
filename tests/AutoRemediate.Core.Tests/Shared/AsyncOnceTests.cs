using AutoRemediate.Shared;

namespace AutoRemediate.Core.Tests.Shared;

/// <summary>A store creates its table on first use: once, whoever asks at the same time, and again after a failure.</summary>
[TestClass]
public sealed class AsyncOnceTests
{
    [TestMethod]
    public async Task EnsureAsync_ManyCallersAtOnce_StepRunsOnce()
    {
        var runs = 0;
        var release = new TaskCompletionSource();
        var once = new AsyncOnce(async _ =>
        {
            Interlocked.Increment(ref runs);
            await release.Task;
        });

        var callers = Enumerable.Range(0, 16).Select(_ => Task.Run(() => once.EnsureAsync())).ToList();
        await Task.Delay(50);
        Assert.IsFalse(callers.Any(c => c.IsCompleted), "nobody may go on before the step has succeeded");
        release.SetResult();
        await Task.WhenAll(callers);
        await once.EnsureAsync();

        Assert.AreEqual(1, runs);
    }

    [TestMethod]
    public async Task EnsureAsync_StepFailed_NextCallerTriesAgain()
    {
        var runs = 0;
        var once = new AsyncOnce(_ => ++runs == 1 ? throw new InvalidOperationException("storage down") : Task.CompletedTask);

        await Assert.ThrowsExactlyAsync<InvalidOperationException>(() => once.EnsureAsync());
        await once.EnsureAsync();
        await once.EnsureAsync();

        Assert.AreEqual(2, runs, "one failed attempt, one that succeeded, then nothing");
    }

    [TestMethod]
    public async Task EnsureAsync_CancelledWhileWaiting_StepStillRunsForOthers()
    {
        var release = new TaskCompletionSource();
        var once = new AsyncOnce(_ => release.Task);
        var first = once.EnsureAsync();
        using var cancel = new CancellationTokenSource();
        var waiting = once.EnsureAsync(cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => waiting);
        release.SetResult();
        await first;
    }
}
