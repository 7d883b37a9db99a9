using System.Diagnostics;
using System.Net;
using System.Text;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// The DevHost as a person runs it: the built program in its own process, with Azurite started by
/// it (in memory, on free ports) and stopped when it stops — by Ctrl+C or by a hard kill.
/// </summary>
[TestClass]
public sealed class DevHostProcessTests
{
    private sealed class DevHostProcess : IDisposable
    {
        private readonly StringBuilder _output = new();

        public DevHostProcess(params string[] args)
            : this(null, args)
        {
        }

        /// <summary>Starts the DevHost; with <paramref name="previous"/>, on the same ports and Azurite data as that one.</summary>
        public DevHostProcess(DevHostProcess? previous, string[] args, string? azuriteLocation = null)
        {
            var ports = AutoRemediate.Testing.LoopbackPorts.Free(5);
            Port = previous?.Port ?? ports[0];
            AzuritePorts = previous?.AzuritePorts ?? ports[1..4];
            AzuriteLocation = azuriteLocation ?? previous?.AzuriteLocation ?? string.Empty;
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = AssemblySetup.OutputDirectory("DevHostOutputDirectory"),
            };
            start.ArgumentList.Add(Path.Combine(start.WorkingDirectory, "AutoRemediate.DevHost.dll"));
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["DevHost__Urls"] = $"http://127.0.0.1:{Port}";
            // A restart reuses the dead one's ports, which are free again: keep the Sandbox off them.
            SandboxPort = ports.Skip(4).Concat(ports).First(p => p != Port && !AzuritePorts.Contains(p));
            start.Environment["DevHost__SandboxUrl"] = $"https://127.0.0.1:{SandboxPort}";
            start.Environment["DevHost__AzuriteBlobPort"] = AzuritePorts[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["DevHost__AzuriteQueuePort"] = AzuritePorts[1].ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["DevHost__AzuriteTablePort"] = AzuritePorts[2].ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["DevHost__AzuriteLocation"] = AzuriteLocation;
            Process = Process.Start(start)!;
            Process.OutputDataReceived += (_, e) => Append(e.Data);
            Process.ErrorDataReceived += (_, e) => Append(e.Data);
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public int Port { get; }

        public int[] AzuritePorts { get; }

        public string AzuriteLocation { get; }

        public int SandboxPort { get; }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public async Task WaitForOutputAsync(string text, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                if (Process.HasExited || DateTime.UtcNow > deadline)
                {
                    Assert.Fail($"'{text}' never appeared. Output:\n{Output}");
                }

                await Task.Delay(100);
            }
        }

        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            await Process.WaitForExitAsync(cts.Token);
            return Process.ExitCode;
        }

        /// <summary>Waits for the Azurite guard this DevHost started (its pid is on the banner) to exit.</summary>
        public async Task WaitForAzuriteExitAsync(TimeSpan timeout)
        {
            var match = System.Text.RegularExpressions.Regex.Match(Output, @"Azurite started \(pid (\d+)\)");
            Assert.IsTrue(match.Success, Output);
            var stat = $"/proc/{match.Groups[1].Value}/stat";
            var deadline = DateTime.UtcNow + timeout;
            // Gone, or a zombie nobody has reaped yet: either way it no longer writes anything.
            while (File.Exists(stat) && !IsZombie(stat))
            {
                Assert.IsTrue(DateTime.UtcNow < deadline, $"Azurite (pid {match.Groups[1].Value}) still runs {timeout} after its DevHost died.");
                await Task.Delay(100);
            }
        }

        public void Signal(string signal)
        {
            using var kill = Process.Start("kill", [$"-{signal}", Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            kill.WaitForExit();
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }

            Process.Dispose();
        }

        private static bool IsZombie(string stat)
        {
            try
            {
                var text = File.ReadAllText(stat);
                return text[(text.LastIndexOf(')') + 2)..].StartsWith('Z');
            }
            catch (IOException)
            {
                return true;
            }
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }

    private static async Task AssertAzuriteGoneAsync(int[] ports)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var listening = await Task.WhenAll(ports.Select(p => AzuriteLauncher.IsListeningAsync(p)));
            if (!listening.Any(l => l))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Azurite still listens on {string.Join(", ", ports.Where((_, i) => listening[i]))}: orphaned.");
            }

            await Task.Delay(200);
        }
    }

    [TestMethod]
    public async Task Run_CtrlC_StopsAzuriteItStarted()
    {
        using var devHost = new DevHostProcess();
        await devHost.WaitForOutputAsync("DevHost ready.", TimeSpan.FromSeconds(90));
        StringAssert.Contains(devHost.Output, $"listening on http://127.0.0.1:{devHost.Port}");
        StringAssert.Contains(devHost.Output, "Azurite started");
        StringAssert.Contains(devHost.Output, "Sandbox (simulated App Service) on https://127.0.0.1:");
        using (var http = new HttpClient())
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{devHost.Port}/api/incidents/inc-20250101-0000000000000000"));
            Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
        }

        devHost.Signal("INT");

        Assert.AreEqual(0, await devHost.WaitForExitAsync(TimeSpan.FromSeconds(30)), devHost.Output);
        await AssertAzuriteGoneAsync(devHost.AzuritePorts);
    }

    [TestMethod]
    public async Task Run_KilledHard_AzuriteDoesNotOutliveIt()
    {
        using var devHost = new DevHostProcess();
        await devHost.WaitForOutputAsync("DevHost ready.", TimeSpan.FromSeconds(90));
        Assert.IsTrue(await AzuriteLauncher.IsListeningAsync(devHost.AzuritePorts[2]));

        devHost.Signal("KILL");

        await devHost.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await AssertAzuriteGoneAsync(devHost.AzuritePorts);
    }

    // The Azure Storage backend keeps the orchestration in Azurite: a DevHost killed while an incident
    // is live comes back, the incident resumes, and nothing the workflow did is done again.
    [TestMethod]
    public async Task KilledMidIncident_RestartedDevHostResumesIt_NothingDoneTwice()
    {
        var location = Directory.CreateTempSubdirectory("devhost-resume-").FullName;
        var alert = AutoRemediate.Testing.Samples.MetricAlertFor(AutoRemediate.Testing.Samples.ShopSiteId);
        string incidentId;
        using var first = new DevHostProcess(null, [], location);
        await first.WaitForOutputAsync("DevHost ready.", TimeSpan.FromSeconds(90));
        StringAssert.Contains(first.Output, "Durable backend: AzureStorage");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{first.Port}") };
        using (var accepted = await http.PostAsync("/api/alerts", new StringContent(alert.ToJsonString(), System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.AreEqual(HttpStatusCode.Accepted, accepted.StatusCode);
            incidentId = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(accepted.Content))!["incidentId"]!.GetValue<string>();
        }

        // Held: the orchestration now waits for an event from outside (the alert's resolution).
        var held = await WaitForStatusAsync(http, incidentId, ["Escalated", "AwaitingApproval"], TimeSpan.FromSeconds(120));
        var timelineBefore = held["timeline"]!.AsArray().Select(t => t!.ToJsonString()).ToArray();
        first.Signal("KILL");
        await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        // Azurite stops listening before it has written its data files; restart only once it has exited.
        await first.WaitForAzuriteExitAsync(TimeSpan.FromSeconds(15));
        await AssertAzuriteGoneAsync(first.AzuritePorts);

        using var second = new DevHostProcess(first, []);
        await second.WaitForOutputAsync("DevHost ready.", TimeSpan.FromSeconds(90));
        alert["data"]!["essentials"]!["monitorCondition"] = "Resolved";
        alert["data"]!["essentials"]!["resolvedDateTime"] = DateTimeOffset.UtcNow.ToString("O");
        using (var resolved = await http.PostAsync("/api/alerts", new StringContent(alert.ToJsonString(), System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.AreEqual(HttpStatusCode.Accepted, resolved.StatusCode, await resolved.Content.ReadAsStringAsync());
        }

        // The kill may land after the orchestration dequeued its last message but before it checkpointed;
        // that message is back within DurableSidecar.MessageVisibility, so this is not a matter of luck.
        var incident = await WaitForStatusAsync(http, incidentId, ["Resolved"], DurableSidecar.MessageVisibility + TimeSpan.FromSeconds(40));
        var timeline = incident["timeline"]!.AsArray().Select(t => t!.ToJsonString()).ToArray();
        // What happened before the kill stays as it was, and the rest follows it.
        CollectionAssert.AreEqual(timelineBefore, timeline.Take(timelineBefore.Length).ToArray(), string.Join(Environment.NewLine, timeline));
        Assert.AreEqual("IncidentResolved", incident["timeline"]!.AsArray().Last()!["kind"]!.GetValue<string>(), string.Join(Environment.NewLine, timeline));
        // The restarted DevHost's Sandbox saw no site read: the workflow resumed after its diagnostics, it did not start over.
        using var sandbox = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } });
        var requests = await sandbox.GetStringAsync(new Uri($"https://127.0.0.1:{second.SandboxPort}/sandbox/requests"));
        Assert.DoesNotContain("/sites/contoso-shop", requests, StringComparison.OrdinalIgnoreCase);
        second.Signal("INT");
        Assert.AreEqual(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)), second.Output);
        await second.WaitForAzuriteExitAsync(TimeSpan.FromSeconds(15));
        Directory.Delete(location, recursive: true);
    }

    private static async Task<System.Text.Json.Nodes.JsonObject> WaitForStatusAsync(HttpClient http, string incidentId, string[] statuses, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var incident = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>(http, $"/api/incidents/{incidentId}");
            if (statuses.Contains(incident!["status"]!.GetValue<string>()))
            {
                return incident;
            }

            Assert.IsTrue(DateTime.UtcNow < deadline, $"incident {incidentId} never reached {string.Join(" or ", statuses)}: {incident.ToJsonString()}");
            await Task.Delay(250);
        }
    }

    [TestMethod]
    public async Task Demo_PostsSampleAlertAndFollowsItToTheEnd()
    {
        using var devHost = new DevHostProcess("demo", "--scenario", "memory-leak", "--auto-approve");

        var exitCode = await devHost.WaitForExitAsync(TimeSpan.FromSeconds(150));

        var output = devHost.Output;
        Assert.AreEqual(0, exitCode, output);
        StringAssert.Contains(output, "demo: 202 Accepted");
        var steps = new[]
        {
            "AlertReceived:", "IncidentOpened:", "PlatformChecked:", "DiagnosticsCollected:", "PlanChosen:", "DumpCaptured:", "ApprovalGranted:",
            "ActionTaken:", "IncidentResolved:", "ended as Resolved", "1 restart(s)", "1 dump(s) in Blob Storage", "ended as expected",
        };
        var positions = steps.Select(s => output.IndexOf(s, StringComparison.Ordinal)).ToArray();
        Assert.IsTrue(positions.All(p => p >= 0), output);
        CollectionAssert.AreEqual(positions.Order().ToArray(), positions, "steps must print in order");
        await AssertAzuriteGoneAsync(devHost.AzuritePorts);
    }

    [TestMethod]
    public async Task Demo_UnknownScenario_Exit2ListingTheScenarios()
    {
        using var devHost = new DevHostProcess("demo", "--scenario", "no-such-scenario");

        var exitCode = await devHost.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.AreEqual(2, exitCode, devHost.Output);
        StringAssert.Contains(devHost.Output, "unknown scenario 'no-such-scenario'");
        foreach (var scenario in DemoScenario.All)
        {
            StringAssert.Contains(devHost.Output, scenario.Name);
        }
    }
}
