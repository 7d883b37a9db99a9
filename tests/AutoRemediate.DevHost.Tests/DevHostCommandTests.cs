using System.Text.RegularExpressions;

namespace AutoRemediate.DevHost.Tests;

/// <summary>
/// The DevHost's command line, parsed and invoked in process with a stand-in for what it runs: what a
/// person types, what the DevHost is then asked to do, what it prints, and its exit code.
/// </summary>
[TestClass]
public sealed partial class DevHostCommandTests
{
    private sealed class Outcome
    {
        public int ExitCode { get; init; }

        public DevHostInvocation? Ran { get; init; }

        public string Output { get; init; } = string.Empty;

        public string Error { get; init; } = string.Empty;
    }

    private static string[] Words(string commandLine) => commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static async Task<Outcome> InvokeAsync(string commandLine)
    {
        DevHostInvocation? ran = null;
        using var output = new StringWriter();
        using var error = new StringWriter();
        var command = new DevHostCommand((invocation, _, _, _) =>
        {
            ran = invocation;
            return Task.FromResult(0);
        });

        var exitCode = await command.InvokeAsync(Words(commandLine), output, error);

        return new Outcome { ExitCode = exitCode, Ran = ran, Output = output.ToString(), Error = error.ToString() };
    }

    [TestMethod]
    [DataRow("", null, false, "")]
    [DataRow("--DevHost:Urls=http://127.0.0.1:7072 --Logging:LogLevel:Azure=Debug", null, false, "--DevHost:Urls=http://127.0.0.1:7072 --Logging:LogLevel:Azure=Debug")]
    [DataRow("--DevHost:AzuriteLocation=", null, false, "--DevHost:AzuriteLocation=")]
    [DataRow("--AzureWebJobsStorage=UseDevelopmentStorage=true", null, false, "--AzureWebJobsStorage=UseDevelopmentStorage=true")]
    [DataRow("--urls http://127.0.0.1:7072 --durable-backend InMemory --no-azurite --no-sandbox", null, false,
        "--DevHost:Urls=http://127.0.0.1:7072 --DevHost:DurableBackend=InMemory --DevHost:StartAzurite=false --DevHost:StartSandbox=false")]
    [DataRow("demo", "memory-leak", false, "--Logging:LogLevel:AutoRemediate=Warning")]
    [DataRow("demo --scenario cpu-saturation", "cpu-saturation", false, "--Logging:LogLevel:AutoRemediate=Warning")]
    [DataRow("demo --scenario=DRY-RUN --auto-approve", "dry-run", true, "--Logging:LogLevel:AutoRemediate=Warning")]
    [DataRow("--Workflow:VerifyInterval=00:00:01 demo --auto-approve --scenario cooldown --Workflow:VerifyDeadline=00:00:30", "cooldown", true,
        "--Workflow:VerifyInterval=00:00:01 --Workflow:VerifyDeadline=00:00:30 --Logging:LogLevel:AutoRemediate=Warning")]
    [DataRow("demo --durable-backend InMemory --urls http://127.0.0.1:7073", "memory-leak", false,
        "--DevHost:Urls=http://127.0.0.1:7073 --DevHost:DurableBackend=InMemory --Logging:LogLevel:AutoRemediate=Warning")]
    public async Task InvokeAsync_ValidCommandLine_RunsWhatItAsksFor(string commandLine, string? scenario, bool autoApprove, string hostArgs)
    {
        var outcome = await InvokeAsync(commandLine);

        Assert.AreEqual(0, outcome.ExitCode, outcome.Error);
        Assert.IsNotNull(outcome.Ran, outcome.Error);
        Assert.AreEqual(scenario, outcome.Ran.Scenario?.Name);
        Assert.AreEqual(autoApprove, outcome.Ran.AutoApprove);
        Assert.AreEqual(hostArgs, string.Join(' ', outcome.Ran.HostArgs));
        Assert.AreEqual(string.Empty, outcome.Error);
    }

    [TestMethod]
    [DataRow("demo --scenario no-such-scenario", "demo: unknown scenario 'no-such-scenario'. Scenarios: memory-leak, cpu-saturation")]
    [DataRow("demo --scenario", "'--scenario'")]
    [DataRow("--bogus", "Unrecognized option or argument '--bogus'")]
    [DataRow("demo --auto-aprove", "Unrecognized option or argument '--auto-aprove'")]
    [DataRow("--scenario cooldown", "Unrecognized option or argument '--scenario'")]
    [DataRow("demo --no-sandbox", "Unrecognized option or argument '--no-sandbox'")]
    [DataRow("--no-sandbox demo", "--no-sandbox does not go with demo")]
    [DataRow("serve", "Unrecognized option or argument 'serve'")]
    [DataRow("--DevHost:Urls http://127.0.0.1:7072", "Unrecognized option or argument '--DevHost:Urls'. Settings are given as --Section:Key=value in one word")]
    [DataRow("--=x", "Unrecognized option or argument '--=x'")]
    [DataRow("--durable-backend Sqlite", "'Sqlite' not recognized")]
    [DataRow("--urls", "'--urls'")]
    public async Task InvokeAsync_BadCommandLine_Exit2ErrorOnStderrNothingRun(string commandLine, string mentions)
    {
        var outcome = await InvokeAsync(commandLine);

        Assert.AreEqual(2, outcome.ExitCode);
        Assert.IsNull(outcome.Ran, "nothing runs on a bad command line");
        StringAssert.Contains(outcome.Error, mentions);
        StringAssert.Contains(outcome.Error, "--help");
        Assert.AreEqual(string.Empty, outcome.Output, "errors go to stderr only");
    }

    [TestMethod]
    public async Task InvokeAsync_UnknownScenario_ErrorListsEveryScenario()
    {
        var outcome = await InvokeAsync("demo --scenario no-such-scenario");

        Assert.AreEqual(2, outcome.ExitCode);
        foreach (var scenario in DemoScenario.All)
        {
            StringAssert.Contains(outcome.Error, scenario.Name);
        }
    }

    [TestMethod]
    [DataRow("--help", "Usage:", "demo", "--urls <url>", "--durable-backend <AzureStorage|InMemory>", "--no-azurite", "--no-sandbox", "<--Section:Key=value>", "Exit codes")]
    [DataRow("-h", "Usage:", "demo", "--urls <url>")]
    [DataRow("demo --help", "Usage:", "--scenario <name>", "restart-not-helping", "[default: memory-leak]", "--auto-approve", "--urls <url>", "<--Section:Key=value>")]
    [DataRow("demo --scenario no-such-scenario --help", "Usage:", "--scenario <name>")]
    public async Task InvokeAsync_Help_Exit0PrintsUsageAndRunsNothing(string commandLine, params string[] mentions)
    {
        var outcome = await InvokeAsync(commandLine);

        Assert.AreEqual(0, outcome.ExitCode, outcome.Error);
        Assert.IsNull(outcome.Ran);
        foreach (var mention in mentions)
        {
            StringAssert.Contains(outcome.Output, mention);
        }

        Assert.AreEqual(string.Empty, outcome.Error);
    }

    // A shell's completion (dotnet-suggest) asks the parser: the scenarios and backends are offered by name.
    [TestMethod]
    [DataRow("demo --scenario ", "cooldown cpu-saturation crash-loop-kudu-down dry-run memory-leak one-bad-instance platform-outage restart-not-helping")]
    [DataRow("demo --scenario cr", "crash-loop-kudu-down")]
    [DataRow("demo --scenario rest", "restart-not-helping")]
    [DataRow("--durable-backend ", "AzureStorage InMemory")]
    public void Parse_PartialValue_CompletesFromTheKnownNames(string commandLine, string expected)
    {
        var command = new DevHostCommand((_, _, _, _) => Task.FromResult(0));

        var completions = command.Parse(commandLine).GetCompletions().Select(c => c.Label).Order(StringComparer.Ordinal);

        Assert.AreEqual(expected, string.Join(' ', completions));
    }

    // What the command line hands the host is read by the host's configuration, as the settings were
    // before System.CommandLine: later values win, and the typed options are settings too.
    [TestMethod]
    [DataRow("--Workflow:VerifyInterval=00:00:01", "Workflow:VerifyInterval", "00:00:01")]
    [DataRow("--DevHost:AzuriteLocation=", "DevHost:AzuriteLocation", "")]
    [DataRow("--AzureWebJobsStorage=UseDevelopmentStorage=true", "AzureWebJobsStorage", "UseDevelopmentStorage=true")]
    [DataRow("--urls http://127.0.0.1:7072", "DevHost:Urls", "http://127.0.0.1:7072")]
    [DataRow("--DevHost:Urls=http://127.0.0.1:7071 --urls http://127.0.0.1:7072", "DevHost:Urls", "http://127.0.0.1:7072")]
    [DataRow("--no-azurite", "DevHost:StartAzurite", "false")]
    [DataRow("--no-sandbox", "DevHost:StartSandbox", "false")]
    [DataRow("--durable-backend InMemory", "DevHost:DurableBackend", "InMemory")]
    [DataRow("--Policy:DryRun=true demo --Workflow:ApprovalTimeout=00:01:00", "Policy:DryRun", "true")]
    [DataRow("--Policy:DryRun=true demo --Workflow:ApprovalTimeout=00:01:00", "Workflow:ApprovalTimeout", "00:01:00")]
    [DataRow("demo", "Logging:LogLevel:AutoRemediate", "Warning")]
    public async Task InvokeAsync_Settings_ReachTheHostConfiguration(string commandLine, string key, string value)
    {
        var outcome = await InvokeAsync(commandLine);
        Assert.IsNotNull(outcome.Ran, outcome.Error);

        var builder = DevHostRunner.CreateBuilder([.. outcome.Ran.HostArgs]);

        Assert.AreEqual(value, builder.Configuration[key]);
    }

    // The README shows both help texts; a changed option must change the README too.
    [TestMethod]
    [DataRow("--help")]
    [DataRow("demo --help")]
    public async Task Help_SameAsInTheReadme(string commandLine)
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.FindRoot()!, "README.md"));
        var marker = $"`dotnet run --project src/AutoRemediate.DevHost -- {commandLine}` prints:";
        var at = readme.IndexOf(marker, StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, at, $"README.md has no line with {marker}");
        var block = FencedBlock().Match(readme, at + marker.Length);
        Assert.IsTrue(block.Success, "the help text follows the line in a ```text block");

        var outcome = await InvokeAsync(commandLine);

        // Compared word by word: a terminal wraps long lines at its own width.
        Assert.AreEqual(Normalize(outcome.Output), Normalize(block.Groups["text"].Value));
    }

    private static string Normalize(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex(@"\G\s*```text\n(?<text>.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
