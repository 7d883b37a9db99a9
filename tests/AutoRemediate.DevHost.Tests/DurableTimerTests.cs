using System.Collections.Concurrent;
using AutoRemediate.Testing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// Durable timers on the DevHost's own Durable stack (the in-process sidecar over the Azure Storage backend, Azurite): a
/// timer never fires before its time. The queue service hides a timer's message for whole seconds only, so without
/// care a timer due in less than a second fired at once, and a verification's 1-second polls ran back to back.
/// </summary>
[TestClass]
public sealed class DurableTimerTests
{
    [TestMethod]
    public async Task OneSecondTimers_EachFiresAtOrAfterItsTime()
    {
        // When each step after a timer ran, by the wall clock, against the time the orchestration asked for.
        var fired = new ConcurrentQueue<(DateTime Due, DateTime Ran)>();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDurableSidecar(AzuriteFixture.ConnectionString, "Timers" + Guid.NewGuid().ToString("N")[..8], DevHostRunner.FreeLoopbackPort(), DurableTuning.Local, registry =>
        {
            registry.AddOrchestratorFunc<int, bool>("Polls", async (context, polls) =>
            {
                for (var i = 0; i < polls; i++)
                {
                    var due = context.CurrentUtcDateTime.AddSeconds(1);
                    await context.CreateTimer(due, CancellationToken.None);
                    await context.CallActivityAsync<bool>("Poll", due);
                }

                return true;
            });
            registry.AddActivityFunc<DateTime, bool>("Poll", (_, due) =>
            {
                fired.Enqueue((due, DateTime.UtcNow));
                return true;
            });
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var client = host.Services.GetRequiredService<DurableTaskClient>();
            var id = await client.ScheduleNewOrchestrationInstanceAsync("Polls", 3);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var done = await client.WaitForInstanceCompletionAsync(id, timeout.Token);

            Assert.AreEqual(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus, done.FailureDetails?.ToString());
            Assert.HasCount(3, fired);
            foreach (var (due, ran) in fired)
            {
                Assert.IsGreaterThanOrEqualTo(due, ran, $"a timer due at {due:HH:mm:ss.fff} fired at {ran:HH:mm:ss.fff}");
            }

            var polls = fired.Select(f => f.Ran).Order().ToList();
            for (var i = 1; i < polls.Count; i++)
            {
                Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(1), polls[i] - polls[i - 1], "1-second polls are at least a second apart");
            }
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
