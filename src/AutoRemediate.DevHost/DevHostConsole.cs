using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AutoRemediate.DevHost;

/// <summary>
/// The DevHost at a terminal: starts it, prints where everything listens, then waits for Ctrl+C or
/// plays the demo scenario, and stops what it started.
/// </summary>
internal static class DevHostConsole
{
    /// <summary>Runs <paramref name="invocation"/>; returns the exit code (see <see cref="DevHostCommand"/>).</summary>
    public static async Task<int> RunAsync(DevHostInvocation invocation, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var scenario = invocation.Scenario;
        var demoSettings = scenario is null ? null : DemoRunner.SettingsFor(scenario, invocation.AutoApprove, DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture));
        DevHostRunner host;
        try
        {
            host = await DevHostRunner.StartAsync([.. invocation.HostArgs], demoSettings is null ? null : builder => builder.Configuration.AddInMemoryCollection(demoSettings), cancellationToken);
        }
        catch (OptionsValidationException ex)
        {
            // A setting that cannot work: say which, without a stack trace. DevHostRunner has stopped
            // whatever it had started.
            await error.WriteLineAsync("DevHost: invalid settings, nothing is left running:").ConfigureAwait(false);
            foreach (var failure in ex.Failures)
            {
                await error.WriteLineAsync("  " + failure).ConfigureAwait(false);
            }

            return DevHostCommand.UsageError;
        }

        await using (host.ConfigureAwait(false))
        {
            WriteBanner(host, output);
            if (scenario is not null)
            {
                using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
                var observation = await DemoRunner.RunAsync(host, scenario, output, invocation.AutoApprove ? TimeSpan.FromMinutes(3) : TimeSpan.FromMinutes(8), cancel.Token).ConfigureAwait(false);
                var problem = observation is null ? "the incident did not end" : scenario.Verify(observation);
                output.WriteLine(problem is null
                    ? $"demo: scenario '{scenario.Name}' ended as expected ({scenario.ExpectedStatus})."
                    : $"demo: scenario '{scenario.Name}' did NOT end as expected: {problem}.");
                output.WriteLine("Stopping what the DevHost started...");
                return problem is null ? 0 : 1;
            }

            output.WriteLine("DevHost ready. Press Ctrl+C to stop it and everything it started.");
            await host.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            output.WriteLine("Stopping what the DevHost started...");
            return 0;
        }
    }

    private static void WriteBanner(DevHostRunner host, TextWriter output)
    {
        output.WriteLine($"AutoRemediate DevHost listening on {host.BaseAddress}");
        output.WriteLine($"  POST {new Uri(host.BaseAddress, "/api/alerts")}   GET {new Uri(host.BaseAddress, "/api/incidents/{id}")}   POST {new Uri(host.BaseAddress, "/api/incidents/{id}/decision")}");
        output.WriteLine(host.Azurite switch
        {
            null => $"  storage: {ConfigKeys.StorageConnection} as configured",
            { StartedByUs: true } a => $"  Azurite started (pid {a.ProcessId}): blob {a.Settings.BlobPort}, queue {a.Settings.QueuePort}, table {a.Settings.TablePort}",
            { } a => $"  Azurite already running: blob {a.Settings.BlobPort}, queue {a.Settings.QueuePort}, table {a.Settings.TablePort}",
        });
        if (host.MailDev is { } mailDev)
        {
            output.WriteLine($"  MailDev started (pid {mailDev.ProcessId}): SMTP 127.0.0.1:{mailDev.Settings.SmtpPort}, approval mail inbox {mailDev.Inbox}");
        }

        output.WriteLine(host.SandboxAddress is { } sandbox
            ? $"  Sandbox (simulated App Service) on {sandbox} — GET {new Uri(sandbox, "/sandbox/apps")} lists the apps"
            : $"  Sandbox not started: {ConfigKeys.AzureResourceManagerEndpoint} as configured");
        output.WriteLine("  Durable Task SDK worker running the Remediation orchestration in process (Durable backend: "
            + host.Options.DurableBackend + ")");
    }
}
