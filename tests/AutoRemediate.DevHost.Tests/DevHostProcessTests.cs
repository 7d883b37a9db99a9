using System.Diagnostics;
using System.Net;
using System.Text;
using AutoRemediate.Shared;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// The DevHost as a person runs it: the built program in its own process, with Azurite started by
/// it (on free ports) and stopped when it stops — by Ctrl+C in a terminal, by a signal, or by a hard
/// kill — leaving no process behind and its ports free.
/// </summary>
[TestClass]
public sealed class DevHostProcessTests
{
    /// <summary>
    /// The built DevHost in a process (and session) of its own; with <c>terminal</c>, under a real
    /// pseudo-terminal (<c>script</c> from util-linux), where Ctrl+C is the byte 0x03 and the terminal's line
    /// discipline turns it into SIGINT for the whole foreground process group, as a person's terminal does.
    /// </summary>
    private sealed class DevHostProcess : IDisposable
    {
        private readonly StringBuilder _output = new();
        private readonly List<ProcessEntry> _seen = [];
        private readonly bool _terminal;

        public DevHostProcess(params string[] args)
            : this(null, args)
        {
        }

        /// <summary>Starts the DevHost; with <paramref name="previous"/>, on the same ports and Azurite data as that one.</summary>
        public DevHostProcess(DevHostProcess? previous, string[] args, string? azuriteLocation = null, bool terminal = false)
        {
            _terminal = terminal;
            var ports = AutoRemediate.Testing.LoopbackPorts.Free(5);
            Port = previous?.Port ?? ports[0];
            AzuritePorts = previous?.AzuritePorts ?? ports[1..4];
            AzuriteLocation = azuriteLocation ?? previous?.AzuriteLocation ?? string.Empty;
            var directory = AssemblySetup.OutputDirectory("DevHostOutputDirectory");
            // env resets SIGINT, SIGQUIT and SIGTERM to their defaults: a test run started from a script in
            // the background inherits them ignored, and a DevHost that ignores SIGINT is not what a person runs.
            string[] command = ["env", "--default-signal=INT,QUIT,TERM", "dotnet", Path.Combine(directory, "AutoRemediate.DevHost.dll"), .. args];
            var start = new ProcessStartInfo(terminal ? "script" : "setsid")
            {
                RedirectStandardInput = terminal,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = directory,
            };
            if (terminal)
            {
                // script runs the command in a new session on a new pseudo-terminal, as its foreground
                // process group; -e passes on its exit code. exec: the DevHost is that session's leader.
                foreach (var arg in new[] { "-qfec", "exec " + string.Join(' ', command.Select(ShellQuote)), "/dev/null" })
                {
                    start.ArgumentList.Add(arg);
                }
            }
            else
            {
                // A session (and process group) of its own, so that cleanup can kill the whole group
                // without touching the test host's; setsid execs, so the process is the DevHost itself.
                foreach (var arg in command)
                {
                    start.ArgumentList.Add(arg);
                }
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

        /// <summary>The process started: the DevHost, or <c>script</c> with the DevHost under it.</summary>
        public Process Process { get; }

        public int Port { get; }

        public int[] AzuritePorts { get; }

        public string AzuriteLocation { get; }

        public int SandboxPort { get; }

        /// <summary>Every port the DevHost listens on (pipeline, Azurite's three, Sandbox).</summary>
        public int[] Ports => [Port, .. AzuritePorts, SandboxPort, .. MailDevPorts];

        /// <summary>MailDev's SMTP and inbox ports, from the banner (none when the DevHost started no MailDev).</summary>
        public int[] MailDevPorts
        {
            get
            {
                var match = System.Text.RegularExpressions.Regex.Match(Output, @"MailDev started \(pid \d+\): SMTP 127\.0\.0\.1:(\d+), approval mail inbox http://127\.0\.0\.1:(\d+)/");
                return match.Success ? [int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)] : [];
            }
        }

        /// <summary>The MailDev guard's pid, from the banner; on Linux it leads MailDev's own process group. Null without MailDev.</summary>
        public int? MailDevGuardPid
        {
            get
            {
                var match = System.Text.RegularExpressions.Regex.Match(Output, @"MailDev started \(pid (\d+)\)");
                return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
            }
        }

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

        /// <summary>What the DevHost printed from the start of its stop on (slow steps say so there).</summary>
        public string StopOutput
        {
            get
            {
                var output = Output;
                var at = output.IndexOf("Stopping what the DevHost started", StringComparison.Ordinal);
                return at < 0 ? "(no stop line)" : output[at..];
            }
        }

        /// <summary>The DevHost's own process (the Azurite guard and Azurite run below it).</summary>
        public ProcessEntry DevHost
        {
            get
            {
                var entry = _terminal ? ProcessTable.Tree(Process.Id).FirstOrDefault(IsDevHost) : ProcessTable.Read(Process.Id);
                return entry ?? _seen.FirstOrDefault(IsDevHost)
                    ?? throw new AssertFailedException($"The DevHost process was not found. Output:\n{Output}");
            }
        }

        /// <summary>The Azurite guard's pid, from the banner; on Linux it leads Azurite's own process group.</summary>
        public int AzuriteGuardPid
        {
            get
            {
                var match = System.Text.RegularExpressions.Regex.Match(Output, @"Azurite started \(pid (\d+)\)");
                Assert.IsTrue(match.Success, Output);
                return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        /// <summary>Waits for the banner line, then notes every process the DevHost runs, to check later that none is left.</summary>
        public async Task WaitForOutputAsync(string text, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                if (Process.HasExited || DateTime.UtcNow > deadline)
                {
                    Assert.Fail($"'{text}' never appeared within {timeout}. Output:\n{Output}");
                }

                await Task.Delay(100);
            }

            Track();
        }

        /// <summary>
        /// Waits until the Durable backend runs: it holds its partition's lease in Azurite. Before that (the
        /// first seconds after "ready") it has no lease to hand back, and a stop is quick whatever the state
        /// of Azurite; once it holds one, a stop must hand it back or give up on it.
        /// </summary>
        public async Task WaitForDurableBackendAsync(TimeSpan timeout)
        {
            foreach (var port in AzuritePorts)
            {
                Assert.IsTrue(await AzuriteLauncher.IsListeningAsync(port), $"Azurite does not listen on {port}");
            }

            // Finds this DevHost's Azurite listening, so it only connects (and stops nothing when disposed).
            await using var azurite = await AzuriteLauncher.StartAsync(new AzuriteSettings(AzuritePorts[0], AzuritePorts[1], AzuritePorts[2], null));
            var leases = new global::Azure.Data.Tables.TableServiceClient(azurite.ConnectionString).GetTableClient(new DevHostOptions().TaskHub + "Partitions");
            var deadline = DateTime.UtcNow + timeout;
            var rows = new List<global::Azure.Data.Tables.TableEntity>();
            while (DateTime.UtcNow < deadline)
            {
                rows.Clear();
                try
                {
                    await foreach (var row in leases.QueryAsync<global::Azure.Data.Tables.TableEntity>())
                    {
                        rows.Add(row);
                    }
                }
                catch (global::Azure.RequestFailedException ex) when (ex.Status == 404)
                {
                    // The backend has not created its partition table yet.
                }

                if (rows.Any(r => !string.IsNullOrEmpty(r.GetString("CurrentOwner"))))
                {
                    return;
                }

                await Task.Delay(200);
            }

            Assert.Fail($"The Durable backend held no partition lease within {timeout}: {string.Join("; ", rows.Select(r => string.Join(", ", r.Select(kv => $"{kv.Key}={kv.Value}"))))}\nOutput:\n{Output}");
        }

        /// <summary>Notes the processes running under this DevHost now.</summary>
        public void Track()
        {
            foreach (var entry in ProcessTable.Tree(Process.Id))
            {
                if (!_seen.Any(p => p.Pid == entry.Pid && p.StartTime == entry.StartTime))
                {
                    _seen.Add(entry);
                }
            }
        }

        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await Process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Still running {timeout} later. Output:\n{Output}");
            }

            return Process.ExitCode;
        }

        /// <summary>
        /// Waits until the DevHost has exited and no process it ran is left (by pid, and by the DevHost's and
        /// Azurite's process groups); fails when that takes longer than <paramref name="within"/> since <paramref name="since"/>.
        /// </summary>
        public async Task<TimeSpan> AssertAllGoneAsync(Stopwatch since, TimeSpan within)
        {
            // The DevHost's group, and the groups of the Azurite and MailDev it started (each in a session of its own).
            int[] groups = [_seen.First(IsDevHost).GroupId, AzuriteGuardPid, .. MailDevGuardPid is { } mailDev ? [mailDev] : Array.Empty<int>()];
            Assert.DoesNotContain(ProcessTable.OwnGroup, groups, "the DevHost must not share the test host's process group");
            var devHostStart = _seen.Min(p => p.StartTime);
            while (true)
            {
                var left = ProcessTable.StillRunning(_seen).Concat(ProcessTable.InGroups(groups, devHostStart)).Distinct().ToList();
                if (left.Count == 0 && Process.HasExited)
                {
                    return since.Elapsed;
                }

                if (since.Elapsed > within)
                {
                    Assert.Fail($"{since.Elapsed.TotalSeconds:0.0} s after the stop was asked for, still running:\n{(Process.HasExited ? string.Empty : $"{Process.Id} (started by the test)\n")}"
                        + $"{string.Join('\n', left)}\nSignals the DevHost ignores (SigIgn): {SignalsIgnored()}\nOutput:\n{Output}");
                }

                await Task.Delay(50);
            }
        }

        /// <summary>Ctrl+C typed into the DevHost's terminal.</summary>
        public void PressCtrlC()
        {
            Assert.IsTrue(_terminal, "only a DevHost started with terminal: true has a terminal");
            Process.StandardInput.Write('\u0003');
            Process.StandardInput.Flush();
        }

        /// <summary>Sends the signal to the DevHost's process only (not its group).</summary>
        public void Signal(string signal)
        {
            var pid = DevHost.Pid;
            Assert.IsGreaterThan(1, pid);
            // Never a negative pid here: procps-ng's kill 4.0 reads `kill -KILL -<pgid>` as kill(-1, SIGKILL),
            // every process the user may signal. Process groups are killed one pid at a time (ProcessTable.Kill).
            using var kill = Process.Start("kill", ["-s", signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            kill.WaitForExit();
            Assert.AreEqual(0, kill.ExitCode, $"kill -s {signal} {pid} failed");
        }

        /// <summary>Waits for the Azurite guard this DevHost started (its pid is on the banner) to exit.</summary>
        public async Task WaitForAzuriteExitAsync(TimeSpan timeout)
        {
            var pid = AzuriteGuardPid;
            var deadline = DateTime.UtcNow + timeout;
            // Gone, or a zombie nobody has reaped yet: either way it no longer writes anything.
            while (ProcessTable.Read(pid) is { IsZombie: false })
            {
                Assert.IsTrue(DateTime.UtcNow < deadline, $"Azurite (pid {pid}) still runs {timeout} after its DevHost died.");
                await Task.Delay(100);
            }
        }

        /// <summary>Kills whatever of this DevHost still runs: its process tree, every process noted, and its and Azurite's process groups.</summary>
        public void Dispose()
        {
            try
            {
                if (!Process.HasExited)
                {
                    Track();
                    Process.Kill(entireProcessTree: true);
                }

                var groups = _seen.Select(p => p.GroupId).Where(g => g != ProcessTable.OwnGroup).Distinct().ToArray();
                var since = _seen.Count == 0 ? long.MaxValue : _seen.Min(p => p.StartTime);
                ProcessTable.Kill(ProcessTable.StillRunning(_seen));
                ProcessTable.Kill(ProcessTable.InGroups(groups, since));
                Process.WaitForExit(10_000);
            }
            finally
            {
                Process.Dispose();
            }
        }

        private string SignalsIgnored()
        {
            try
            {
                return File.ReadAllLines($"/proc/{DevHost.Pid}/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) ?? "?";
            }
            catch (Exception ex) when (ex is IOException or AssertFailedException)
            {
                return "(exited)";
            }
        }

        // dotnet running the DevHost; script's command line names the DLL too.
        private static bool IsDevHost(ProcessEntry process) =>
            process.Command.StartsWith("dotnet ", StringComparison.Ordinal) && process.Command.Contains("AutoRemediate.DevHost.dll", StringComparison.Ordinal);

        private static string ShellQuote(string arg) => "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

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

    private static async Task AssertPortsFreeAsync(DevHostProcess devHost)
    {
        foreach (var port in devHost.Ports)
        {
            Assert.IsFalse(await AzuriteLauncher.IsListeningAsync(port), $"port {port} still accepts connections");
            // Free for the next DevHost: it binds again at once.
            var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
            try
            {
                listener.Start();
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                Assert.Fail($"port {port} cannot be bound again: {ex.SocketErrorCode}");
            }
            finally
            {
                listener.Stop();
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

    // Generous for a busy 2-core machine, but bounded: a DevHost that never gets ready fails the test.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(150);

    // What a person waits at most after Ctrl+C before the DevHost and everything it started are gone.
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(10);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task Run_CtrlCInTerminal_Idle_ExitsWithin10sLeavingNothingAndPortsFree()
    {
        using var devHost = new DevHostProcess(null, [], terminal: true);
        await devHost.WaitForOutputAsync("DevHost ready.", StartTimeout);
        await devHost.WaitForDurableBackendAsync(StartTimeout);
        Assert.IsNotNull(devHost.MailDevGuardPid, "the DevHost started MailDev too: " + devHost.Output);
        var stop = Stopwatch.StartNew();
        // A busy machine: every core spinning while the DevHost stops.
        using var busy = CpuLoad.Start();

        devHost.PressCtrlC();

        var took = await devHost.AssertAllGoneAsync(stop, StopLimit);
        busy.Dispose();
        TestContext.WriteLine($"idle DevHost: everything gone {took.TotalSeconds:0.00} s after Ctrl+C\n{devHost.StopOutput}");
        Assert.AreEqual(0, devHost.Process.ExitCode, devHost.Output);
        StringAssert.Contains(devHost.Output, "Stopping what the DevHost started...");
        await AssertPortsFreeAsync(devHost);
    }

    // An incident waits for a person's decision when Ctrl+C comes: it is still waiting after a restart
    // on the same Azurite data, and the decision then completes it.
    [TestMethod]
    public async Task Run_CtrlCInTerminal_IncidentAwaitingApproval_ExitsWithin10sAndRestartResumesIt()
    {
        var location = Directory.CreateTempSubdirectory("devhost-ctrlc-").FullName;
        string[] quickVerification = ["--Workflow:VerifyInterval=00:00:01", "--Workflow:VerifyHealthyFor=00:00:02", "--Workflow:VerifyDeadline=00:00:30"];
        using var first = new DevHostProcess(null, quickVerification, location, terminal: true);
        await first.WaitForOutputAsync("DevHost ready.", StartTimeout);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{first.Port}") };
        var alert = AutoRemediate.Testing.Samples.MetricAlertFor(AutoRemediate.Testing.Samples.ShopSiteId);
        string incidentId;
        using (var accepted = await http.PostAsync("/api/alerts", new StringContent(alert.ToJsonString(), Encoding.UTF8, "application/json")))
        {
            Assert.AreEqual(HttpStatusCode.Accepted, accepted.StatusCode, await accepted.Content.ReadAsStringAsync());
            incidentId = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(accepted.Content))!["incidentId"]!.GetValue<string>();
        }

        var waiting = await WaitForStatusAsync(http, incidentId, ["AwaitingApproval"], TimeSpan.FromSeconds(120));
        // The approval mail runs beside the wait and records ApprovalMailed at the position it kept.
        for (var i = 0; i < 300 && !waiting["timeline"]!.AsArray().Any(t => t!["kind"]!.GetValue<string>() == "ApprovalMailed"); i++)
        {
            await Task.Delay(100);
            waiting = await WaitForStatusAsync(http, incidentId, ["AwaitingApproval"], TimeSpan.FromSeconds(120));
        }

        var approvalId = waiting["pendingApproval"]!.GetValue<string>();
        var timelineBefore = waiting["timeline"]!.AsArray().Select(t => t!.ToJsonString()).ToArray();
        first.Track();
        var stop = Stopwatch.StartNew();
        // A busy machine: every core spinning while the DevHost stops.
        using var busy = CpuLoad.Start();

        first.PressCtrlC();

        var took = await first.AssertAllGoneAsync(stop, StopLimit);
        busy.Dispose();
        TestContext.WriteLine($"DevHost with an incident waiting: everything gone {took.TotalSeconds:0.00} s after Ctrl+C\n{first.StopOutput}");
        Assert.AreEqual(0, first.Process.ExitCode, first.Output);
        await AssertPortsFreeAsync(first);

        using var second = new DevHostProcess(first, quickVerification);
        await second.WaitForOutputAsync("DevHost ready.", StartTimeout);
        var resumed = await WaitForStatusAsync(http, incidentId, ["AwaitingApproval"], TimeSpan.FromSeconds(10));
        Assert.AreEqual(approvalId, resumed["pendingApproval"]!.GetValue<string>(), resumed.ToJsonString());
        using (var decided = await http.PostAsync(
            $"/api/incidents/{incidentId}/decision",
            new StringContent($$"""{"approvalId":"{{approvalId}}","approve":true,"approver":"oncall@contoso.com"}""", Encoding.UTF8, "application/json")))
        {
            Assert.AreEqual(HttpStatusCode.Accepted, decided.StatusCode, await decided.Content.ReadAsStringAsync());
        }

        // A queue message the first DevHost had dequeued comes back within DurableSidecar.MessageVisibility.
        var incident = await WaitForStatusAsync(http, incidentId, ["Resolved"], DurableSidecar.MessageVisibility + TimeSpan.FromSeconds(90));
        var timeline = incident["timeline"]!.AsArray().Select(t => t!.ToJsonString()).ToArray();
        CollectionAssert.AreEqual(timelineBefore, timeline.Take(timelineBefore.Length).ToArray(), string.Join(Environment.NewLine, timeline));
        // The decision the restarted DevHost took is what happened next; the restart was done once (the
        // verification may see the condition still holding once or twice before it is healthy again).
        var after = incident["timeline"]!.AsArray().Skip(timelineBefore.Length).Select(t => t!["kind"]!.GetValue<string>()).ToArray();
        Assert.AreEqual("ApprovalGranted", after[0], string.Join(Environment.NewLine, timeline));
        Assert.AreEqual(1, after.Count(k => k == "ActionTaken"), string.Join(Environment.NewLine, timeline));
        Assert.AreEqual("IncidentResolved", after[^1], string.Join(Environment.NewLine, timeline));
        var stopSecond = Stopwatch.StartNew();
        second.Signal("INT");
        Assert.AreEqual(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)), second.Output);
        await second.AssertAllGoneAsync(stopSecond, TimeSpan.FromSeconds(30));
        Directory.Delete(location, recursive: true);
    }

    // Azurite gone first (killed, crashed): the Durable backend can no longer hand back its partition,
    // and used to wait for it forever. SIGTERM still ends the DevHost within the bound.
    [TestMethod]
    public async Task Run_SigtermAfterAzuriteKilled_ExitsWithin10sLeavingNothing()
    {
        using var devHost = new DevHostProcess();
        await devHost.WaitForOutputAsync("DevHost ready.", StartTimeout);
        await devHost.WaitForDurableBackendAsync(StartTimeout);
        // Azurite and its guard.
        var azurite = ProcessTable.Tree(devHost.AzuriteGuardPid);
        Assert.HasCount(2, azurite, string.Join('\n', azurite));
        ProcessTable.Kill(azurite);

        await AssertAzuriteGoneAsync(devHost.AzuritePorts);
        var stop = Stopwatch.StartNew();

        devHost.Signal("TERM");

        var took = await devHost.AssertAllGoneAsync(stop, StopLimit);
        TestContext.WriteLine($"DevHost whose Azurite was killed: everything gone {took.TotalSeconds:0.00} s after SIGTERM\n{devHost.StopOutput}");
        Assert.AreEqual(0, devHost.Process.ExitCode, devHost.Output);
        await AssertPortsFreeAsync(devHost);
    }

    [TestMethod]
    public async Task Run_CtrlC_StopsAzuriteItStarted()
    {
        using var devHost = new DevHostProcess();
        await devHost.WaitForOutputAsync("DevHost ready.", StartTimeout);
        StringAssert.Contains(devHost.Output, $"listening on http://127.0.0.1:{devHost.Port}");
        StringAssert.Contains(devHost.Output, "Azurite started");
        StringAssert.Contains(devHost.Output, "approval mail inbox http://127.0.0.1:");
        StringAssert.Contains(devHost.Output, "Sandbox (simulated App Service) on https://127.0.0.1:");
        using (var http = new HttpClient())
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{devHost.Port}/api/incidents/inc-20250101-0000000000000000"));
            Assert.AreEqual(HttpStatusCode.NotFound, response.StatusCode);
        }

        var stop = Stopwatch.StartNew();

        devHost.Signal("INT");

        Assert.AreEqual(0, await devHost.WaitForExitAsync(TimeSpan.FromSeconds(30)), devHost.Output);
        await AssertAzuriteGoneAsync(devHost.AzuritePorts);
        TestContext.WriteLine($"SIGINT to the DevHost alone: everything gone {(await devHost.AssertAllGoneAsync(stop, TimeSpan.FromSeconds(30))).TotalSeconds:0.00} s later");
    }

    [TestMethod]
    public async Task Run_KilledHard_AzuriteDoesNotOutliveIt()
    {
        using var devHost = new DevHostProcess();
        await devHost.WaitForOutputAsync("DevHost ready.", StartTimeout);
        Assert.IsTrue(await AzuriteLauncher.IsListeningAsync(devHost.AzuritePorts[2]));

        var stop = Stopwatch.StartNew();

        devHost.Signal("KILL");

        await devHost.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await AssertAzuriteGoneAsync(devHost.AzuritePorts);
        await devHost.AssertAllGoneAsync(stop, TimeSpan.FromSeconds(30));
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
        await first.WaitForOutputAsync("DevHost ready.", StartTimeout);
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
        await first.WaitForExitAsync(TimeSpan.FromSeconds(30));
        // Azurite stops listening before it has written its data files; restart only once it has exited.
        await first.WaitForAzuriteExitAsync(TimeSpan.FromSeconds(15));
        await AssertAzuriteGoneAsync(first.AzuritePorts);

        using var second = new DevHostProcess(first, []);
        await second.WaitForOutputAsync("DevHost ready.", StartTimeout);
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

    // Issue 13 point 5, the host restart: the DevHost on the Azure Storage Durable backend is stopped with an incident
    // waiting for approval and started again on the same data; each time, what GET /api/incidents/{id} says and the
    // orchestration's runtime status (the backend's own Instances table) agree: live and Running before and after the
    // restart, then Cancelled and Completed after a cancel sent to the restarted host.
    [TestMethod]
    public async Task Restarted_WhileAwaitingApproval_ThenCancelled_IncidentAndOrchestrationAgreeEachTime()
    {
        var location = Directory.CreateTempSubdirectory("devhost-cancel-").FullName;
        using var first = new DevHostProcess(null, [], location);
        await first.WaitForOutputAsync("DevHost ready.", StartTimeout);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{first.Port}") };
        var alert = AutoRemediate.Testing.Samples.MetricAlertFor(AutoRemediate.Testing.Samples.ShopSiteId);
        string incidentId;
        using (var accepted = await http.PostAsync("/api/alerts", new StringContent(alert.ToJsonString(), Encoding.UTF8, "application/json")))
        {
            Assert.AreEqual(HttpStatusCode.Accepted, accepted.StatusCode, await accepted.Content.ReadAsStringAsync());
            incidentId = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(accepted.Content))!["incidentId"]!.GetValue<string>();
        }

        var instances = new global::Azure.Data.Tables.TableClient(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            $"TableEndpoint=http://127.0.0.1:{first.AzuritePorts[2]}/devstoreaccount1;", "AutoRemediateDevHostInstances");
        var instanceId = AutoRemediate.Incidents.IncidentIds.InstanceIdFor(AutoRemediate.Testing.Samples.ShopSiteId);
        async Task AssertAgreeAsync(System.Text.Json.Nodes.JsonObject incident, string expectedRuntime, string when)
        {
            var row = await instances.GetEntityIfExistsAsync<global::Azure.Data.Tables.TableEntity>(instanceId, string.Empty);
            var runtime = row.HasValue ? row.Value!.GetString("RuntimeStatus") : "none";
            var closed = incident["closed"]!.GetValue<bool>();
            Assert.AreEqual(expectedRuntime, runtime, $"{when}: {incident.ToJsonString()}");
            Assert.AreEqual(!closed, runtime is "Running" or "Pending", $"{when}: incident {incident["status"]} closed={closed}, orchestration {runtime}");
        }

        var waiting = await WaitForStatusAsync(http, incidentId, ["AwaitingApproval"], TimeSpan.FromSeconds(120));
        await AssertAgreeAsync(waiting, "Running", "before the restart");
        first.Track();
        first.Signal("INT");
        Assert.AreEqual(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(30)), first.Output);
        await first.AssertAllGoneAsync(Stopwatch.StartNew(), TimeSpan.FromSeconds(30));

        using var second = new DevHostProcess(first, []);
        await second.WaitForOutputAsync("DevHost ready.", StartTimeout);
        var resumed = await WaitForStatusAsync(http, incidentId, ["AwaitingApproval"], TimeSpan.FromSeconds(30));
        await AssertAgreeAsync(resumed, "Running", "after the restart");
        using (var cancel = await http.PostAsync($"/api/incidents/{incidentId}/cancel", new StringContent("""{"reason":"after the restart"}""", Encoding.UTF8, "application/json")))
        {
            Assert.AreEqual(HttpStatusCode.Accepted, cancel.StatusCode, await cancel.Content.ReadAsStringAsync());
        }

        // A queue message the first DevHost had dequeued comes back within DurableSidecar.MessageVisibility.
        var cancelled = await WaitForStatusAsync(http, incidentId, ["Cancelled"], DurableSidecar.MessageVisibility + TimeSpan.FromSeconds(90));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await instances.GetEntityIfExistsAsync<global::Azure.Data.Tables.TableEntity>(instanceId, string.Empty)).Value?.GetString("RuntimeStatus") != "Completed" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        await AssertAgreeAsync(cancelled, "Completed", "after the cancel");
        StringAssert.Contains(cancelled["summary"]!.GetValue<string>(), "Cancelled by local operator (unverified)");
        var stopSecond = Stopwatch.StartNew();
        second.Signal("INT");
        Assert.AreEqual(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)), second.Output);
        await second.AssertAllGoneAsync(stopSecond, TimeSpan.FromSeconds(30));
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
    public async Task Demo_WithoutAutoApprove_PrintsTheInboxAndWaitsForTheClickInTheMail()
    {
        using var devHost = new DevHostProcess("demo", "--scenario", "memory-leak");
        await devHost.WaitForOutputAsync("Waiting for the decision.", TimeSpan.FromSeconds(120));
        var inbox = System.Text.RegularExpressions.Regex.Match(devHost.Output, @"open the inbox at (http://127\.0\.0\.1:\d+/)");
        Assert.IsTrue(inbox.Success, devHost.Output);
        StringAssert.Contains(devHost.Output, "an approval mail went to oncall@demo.localhost");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.IsFalse(devHost.Output.Contains("ActionTaken:", StringComparison.Ordinal), "nothing is done before the click: " + devHost.Output);

        // The mail as MailDev holds it, opened in Chromium as a person would: the link, then the code.
        using var http = new HttpClient { BaseAddress = new Uri(inbox.Groups[1].Value) };
        var mails = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<System.Text.Json.Nodes.JsonArray>(http, "api/email");
        var mail = mails!.Single()!;
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new Microsoft.Playwright.BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("AUTOREMEDIATE_CHROMIUM") is { Length: > 0 } chromium ? chromium : "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox"],
        });
        var page = await browser.NewPageAsync();
        await page.SetContentAsync(mail["html"]!.GetValue<string>());
        var code = System.Text.RegularExpressions.Regex.Match(await page.InnerTextAsync("body"), @"One-time code:\s*([A-Z0-9]{4}-[A-Z0-9]{4})").Groups[1].Value;
        await page.GetByRole(Microsoft.Playwright.AriaRole.Link, new() { Name = "Review and decide" }).ClickAsync();
        await page.FillAsync("#code", code);
        await page.ClickAsync("button[value=approve]");
        await page.WaitForSelectorAsync("h1:text('Approved')");

        var exitCode = await devHost.WaitForExitAsync(TimeSpan.FromSeconds(90));
        var output = devHost.Output;
        Assert.AreEqual(0, exitCode, output);
        StringAssert.Contains(output, "ApprovalGranted:");
        StringAssert.Contains(output, "oncall@demo.localhost");
        StringAssert.Contains(output, "ended as Resolved");
        StringAssert.Contains(output, "1 restart(s)");
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
