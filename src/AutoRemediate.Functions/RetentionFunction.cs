using AutoRemediate.Retention;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace AutoRemediate.Functions;

/// <summary>The retention purge on a timer. The schedule is the app setting <c>Retention__Schedule</c> (the binding resolves <c>%Retention:Schedule%</c>).</summary>
public sealed class RetentionFunction(RetentionPurger purger)
{
    /// <summary>One bounded pass; a pass that fails (storage down) fails the run, and the next run finishes the work.</summary>
    [Function(FunctionNames.Retention)]
    public Task RunAsync(
        [TimerTrigger("%Retention:Schedule%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        purger.RunOnceAsync(client, cancellationToken);
}
