using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AutoRemediate.DevHost;

/// <summary>Ports of one MailDev: its SMTP server and its web inbox (with the REST API under <c>/api</c>).</summary>
public sealed record MailDevSettings(int SmtpPort, int WebPort);

/// <summary>
/// Starts MailDev (the local SMTP server with a web inbox) from the repository's <c>node_modules</c>
/// on loopback ports and stops it. Like Azurite it runs under the guard script in a session of its
/// own (setsid): a terminal's Ctrl+C does not reach it, and it dies with whoever started it, even on a
/// hard kill, because the guard ends it when its stdin closes.
/// </summary>
public sealed class MailDevLauncher : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private MailDevLauncher(MailDevSettings settings, Process process, StringBuilder output)
    {
        Settings = settings;
        _process = process;
        _output = output;
    }

    /// <summary>The ports in use.</summary>
    public MailDevSettings Settings { get; }

    /// <summary>Process id of the guard (on Linux the leader of MailDev's process group and session).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The SMTP host to configure (<c>Mail:Host</c>).</summary>
    public static string Host => "127.0.0.1";

    /// <summary>The web inbox a person opens.</summary>
    public Uri Inbox => new($"http://127.0.0.1:{Settings.WebPort.ToString(CultureInfo.InvariantCulture)}/");

    /// <summary>The REST API's base (GET <c>email</c> lists the mails).</summary>
    public Uri Api => new(Inbox, "api/");

    /// <summary>The settings that send the host's mail here.</summary>
    public IReadOnlyDictionary<string, string?> MailSettings => new Dictionary<string, string?>
    {
        ["Mail:Host"] = Host,
        ["Mail:Port"] = Settings.SmtpPort.ToString(CultureInfo.InvariantCulture),
        ["Mail:UseTls"] = "None",
    };

    /// <summary>What MailDev printed (for diagnostics).</summary>
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

    /// <summary>How long a stop waits for MailDev to exit before it is killed.</summary>
    public static TimeSpan StopTimeout { get; } = TimeSpan.FromSeconds(3);

    /// <summary>Starts MailDev on <paramref name="settings"/> and waits until both ports listen.</summary>
    public static async Task<MailDevLauncher> StartAsync(MailDevSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var port in new[] { settings.SmtpPort, settings.WebPort })
        {
            if (await AzuriteLauncher.IsListeningAsync(port, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"Port {port} is taken: MailDev needs it. Free it or choose other ports (DevHost:MailDevSmtpPort/MailDevWebPort).");
            }
        }

        var root = RepositoryPaths.FindRoot()
            ?? throw new InvalidOperationException("Cannot find the repository root (AutoRemediate.sln with package.json) to run MailDev from.");
        var main = Path.Combine(root, "node_modules", "maildev", "dist", "bin", "maildev.js");
        if (!File.Exists(main))
        {
            throw new InvalidOperationException($"MailDev is not installed at {main}. Run 'npm ci' in {root} first.");
        }

        var guard = Path.Combine(AppContext.BaseDirectory, "azurite-guard.js");
        var setsid = FindSetsid();
        var start = new ProcessStartInfo(setsid ?? "node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // In-memory inbox: MailDev writes nothing; keep its working directory out of the repo anyway.
            WorkingDirectory = Directory.CreateTempSubdirectory("maildev-").FullName,
        };
        if (setsid is not null)
        {
            start.ArgumentList.Add("node");
        }

        foreach (var arg in new[] { guard, main, "--smtp", settings.SmtpPort.ToString(CultureInfo.InvariantCulture), "--ip", "127.0.0.1",
                     "--web", settings.WebPort.ToString(CultureInfo.InvariantCulture), "--web-ip", "127.0.0.1", "--max-emails", "500" })
        {
            start.ArgumentList.Add(arg);
        }

        var output = new StringBuilder();
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for MailDev.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var launcher = new MailDevLauncher(settings, process, output);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (await AzuriteLauncher.IsListeningAsync(settings.SmtpPort, cancellationToken).ConfigureAwait(false) &&
                await AzuriteLauncher.IsListeningAsync(settings.WebPort, cancellationToken).ConfigureAwait(false))
            {
                return launcher;
            }

            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var why = process.HasExited ? $"exited with code {process.ExitCode}" : "did not listen within 60 s";
                await launcher.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"MailDev {why}. Its output:{Environment.NewLine}{launcher.Output}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops MailDev; waits until it has exited (at most about <see cref="StopTimeout"/>, then kills it).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // Closing stdin asks the guard to stop MailDev; kill whatever remains.
                _process.StandardInput.Close();
                using var wait = new CancellationTokenSource(StopTimeout);
                try
                {
                    await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static string? FindSetsid() =>
        OperatingSystem.IsWindows()
            ? null
            : (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, "setsid"))
                .FirstOrDefault(File.Exists);
}
