using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace AutoRemediate.DevHost;

/// <summary>What the command line asks for: serve (no scenario) or play <see cref="Scenario"/>, with <see cref="HostArgs"/> as the host's configuration overrides.</summary>
internal sealed record DevHostInvocation(DemoScenario? Scenario, bool AutoApprove, IReadOnlyList<string> HostArgs);

/// <summary>Runs what the command line asked for; returns the exit code.</summary>
internal delegate Task<int> DevHostRun(DevHostInvocation invocation, TextWriter output, TextWriter error, CancellationToken cancellationToken);

/// <summary>
/// The DevHost's command line: serve (the default) or <c>demo</c>, a few typed options for the settings
/// people change most, and any setting as <c>--Section:Key=value</c>, handed to the host's configuration
/// as before. A bad command line is an error on stderr and exit code <see cref="UsageError"/>.
/// </summary>
internal sealed class DevHostCommand : RootCommand
{
    /// <summary>The exit code for a bad command line or bad settings (as for an unknown scenario before).</summary>
    public const int UsageError = 2;

    /// <summary>The scenario <c>demo</c> plays without <c>--scenario</c>.</summary>
    public const string DefaultScenario = "memory-leak";

    private const string SettingsHelpName = "--Section:Key=value";

    private readonly Option<string> _urls = new("--urls")
    {
        Description = Wrap($"Where the pipeline listens ({ConfigKeys.DevHostUrls}; http://127.0.0.1:7071 by default)."),
        HelpName = "url",
        Recursive = true,
    };

    private readonly Option<string> _durableBackend = new("--durable-backend")
    {
        Description = Wrap($"The Durable backend ({ConfigKeys.DevHostDurableBackend}): {DurableBackends.AzureStorage} by default, kept in Azurite; {DurableBackends.InMemory} is lost on exit."),
        Recursive = true,
    };

    private readonly Option<bool> _noAzurite = new("--no-azurite")
    {
        Description = Wrap($"Start no Azurite, use {ConfigKeys.StorageConnection} as configured ({ConfigKeys.DevHostStartAzurite}=false)."),
        Recursive = true,
    };

    private readonly Option<bool> _noSandbox = new("--no-sandbox")
    {
        Description = Wrap($"Start no Sandbox, use {ConfigKeys.AzureResourceManagerEndpoint} as configured ({ConfigKeys.DevHostStartSandbox}=false)."),
    };

    private readonly Option<string> _scenario = new("--scenario")
    {
        Description = Wrap($"The scenario: {string.Join(", ", DemoScenario.All.Select(s => s.Name))}."),
        HelpName = "name",
        DefaultValueFactory = _ => DefaultScenario,
    };

    private readonly Option<bool> _autoApprove = new("--auto-approve")
    {
        Description = Wrap($"Approve at once ({ConfigKeys.WorkflowAutoApprove}=true); without it the demo waits for a decision."),
    };

    private readonly Argument<string[]> _settings = Settings();
    private readonly Argument<string[]> _demoSettings = Settings();

    public DevHostCommand(DevHostRun run)
        : base("Runs the AutoRemediate pipeline locally until Ctrl+C: Azurite, the Sandbox (simulated App Service)\n"
            + "and the Function App's routes, orchestration and activities.\n"
            + "Exit codes: 0 done; 1 the demo did not end as expected; 2 bad command line or settings.")
    {
        ArgumentNullException.ThrowIfNull(run);
        HelpName = "AutoRemediate.DevHost";
        _durableBackend.AcceptOnlyFromAmong([.. DurableBackends.All]);
        _scenario.CompletionSources.Add([.. DemoScenario.All.Select(s => s.Name)]);
        _scenario.Validators.Add(result =>
        {
            var name = result.GetValueOrDefault<string>();
            if (DemoScenario.Find(name) is null)
            {
                result.AddError($"demo: unknown scenario '{name}'. Scenarios: {string.Join(", ", DemoScenario.All.Select(s => s.Name))}.");
            }
        });

        var demo = new Command("demo", "Plays one scenario against the Sandbox, prints each step, and exits 0 only when\n"
            + "the incident ended as the scenario expects.")
        {
            _scenario,
            _autoApprove,
            _demoSettings,
        };
        demo.Validators.Add(result =>
        {
            if (result.GetResult(_noSandbox) is not null)
            {
                result.AddError("demo: the scenarios need the DevHost's own Sandbox; --no-sandbox does not go with demo.");
            }
        });
        Add(_urls);
        Add(_durableBackend);
        Add(_noAzurite);
        Add(_noSandbox);
        Add(_settings);
        Add(demo);
        SetAction((parse, cancellationToken) => run(Invocation(parse), Output(parse), Error(parse), cancellationToken));
        demo.SetAction((parse, cancellationToken) => run(Invocation(parse), Output(parse), Error(parse), cancellationToken));
    }

    /// <summary>Parses <paramref name="args"/> and runs what they ask for, or prints help or the errors.</summary>
    public async Task<int> InvokeAsync(IReadOnlyList<string> args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        var parse = Parse(args);
        var configuration = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
            // The host stops on Ctrl+C and SIGTERM itself, within its own bound (DevHostRunner.StopBudget);
            // System.CommandLine's handler would end the process 2 s after the signal, in the middle of it.
            ProcessTerminationTimeout = null,
            // A failure to start stays what it was: an unhandled exception with its stack trace.
            EnableDefaultExceptionHandler = false,
        };
        if (parse.Action is ParseErrorAction errors)
        {
            errors.ShowHelp = false;
            await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
            await configuration.Error.WriteLineAsync("Run with --help to see the commands, options and settings.").ConfigureAwait(false);
            return UsageError;
        }

        return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    private DevHostInvocation Invocation(ParseResult parse)
    {
        var demo = parse.CommandResult.Command != this;
        List<string> hostArgs = [.. parse.GetValue(_settings) ?? [], .. parse.GetValue(_demoSettings) ?? []];
        if (parse.GetValue(_urls) is { } urls)
        {
            hostArgs.Add(ConfigKeys.Override(ConfigKeys.DevHostUrls, urls));
        }

        if (parse.GetValue(_durableBackend) is { } backend)
        {
            hostArgs.Add(ConfigKeys.Override(ConfigKeys.DevHostDurableBackend, backend));
        }

        if (parse.GetValue(_noAzurite))
        {
            hostArgs.Add(ConfigKeys.Override(ConfigKeys.DevHostStartAzurite, "false"));
        }

        if (parse.GetValue(_noSandbox))
        {
            hostArgs.Add(ConfigKeys.Override(ConfigKeys.DevHostStartSandbox, "false"));
        }

        if (!demo)
        {
            return new DevHostInvocation(null, false, hostArgs);
        }

        // The demo's own lines tell the story; the pipeline's informational logs would interleave.
        hostArgs.Add(ConfigKeys.Override(ConfigKeys.LogLevel("AutoRemediate"), "Warning"));
        return new DevHostInvocation(DemoScenario.Find(parse.GetRequiredValue(_scenario)), parse.GetValue(_autoApprove), hostArgs);
    }

    // Help lines stay readable where nothing wraps them (redirected output, the README).
    private static string Wrap(string text)
    {
        var lines = new List<string> { string.Empty };
        foreach (var word in text.Split(' '))
        {
            if (lines[^1].Length > 0 && lines[^1].Length + 1 + word.Length > 72)
            {
                lines.Add(string.Empty);
            }

            lines[^1] += (lines[^1].Length > 0 ? " " : string.Empty) + word;
        }

        return string.Join('\n', lines);
    }

    private static TextWriter Output(ParseResult parse) => parse.InvocationConfiguration.Output;

    private static TextWriter Error(ParseResult parse) => parse.InvocationConfiguration.Error;

    // Settings pass through to the host's configuration exactly as its command-line provider reads
    // them; only the one-token form is taken, so that a mistyped option is an error, not a setting.
    private static Argument<string[]> Settings()
    {
        var settings = new Argument<string[]>("settings")
        {
            Description = Wrap($"Any setting, e.g. --{ConfigKeys.DevHostAzuriteLocation}= (Azurite data in memory); or Section__Key in the environment."),
            HelpName = SettingsHelpName,
            Arity = ArgumentArity.ZeroOrMore,
        };
        settings.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                var equals = token.Value.IndexOf('=', StringComparison.Ordinal);
                if (!token.Value.StartsWith("--", StringComparison.Ordinal) || equals < 3)
                {
                    result.AddError($"Unrecognized option or argument '{token.Value}'. Settings are given as {SettingsHelpName} in one word (e.g. --{ConfigKeys.DevHostUrls}=http://127.0.0.1:7072).");
                }
            }
        });
        return settings;
    }
}
