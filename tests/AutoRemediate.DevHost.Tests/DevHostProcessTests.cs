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
        {
            Port = DevHostRunner.FreeLoopbackPort();
            AzuritePorts = [DevHostRunner.FreeLoopbackPort(), DevHostRunner.FreeLoopbackPort(), DevHostRunner.FreeLoopbackPort()];
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
            start.Environment["DevHost__SandboxUrl"] = $"https://127.0.0.1:{DevHostRunner.FreeLoopbackPort()}";
            start.Environment["DevHost__AzuriteBlobPort"] = AzuritePorts[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["DevHost__AzuriteQueuePort"] = AzuritePorts[1].ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["DevHost__AzuriteTablePort"] = AzuritePorts[2].ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["DevHost__AzuriteLocation"] = string.Empty;
            Process = Process.Start(start)!;
            Process.OutputDataReceived += (_, e) => Append(e.Data);
            Process.ErrorDataReceived += (_, e) => Append(e.Data);
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public int Port { get; }

        public int[] AzuritePorts { get; }

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
