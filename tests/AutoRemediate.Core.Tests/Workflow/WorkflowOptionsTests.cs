using AutoRemediate.Workflow;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Core.Tests.Workflow;

/// <summary>The workflow settings as the hosts bind and validate them at start.</summary>
[TestClass]
public sealed class WorkflowOptionsTests
{
    private static WorkflowOptions Bind(IReadOnlyDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddAutoRemediate(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<WorkflowOptions>>().Value;
    }

    [TestMethod]
    [DataRow("00:00:01", "00:00:10", "1.00:00:00", "86401 health polls per verification; at most 1440")]
    [DataRow("00:00:30", "00:05:00", "12:00:00", "1441 health polls per verification; at most 1440")]
    [DataRow("00:01:00", "00:20:00", "00:20:00", "Workflow:VerifyHealthyFor (00:20:00) plus one Workflow:VerifyInterval (00:01:00) must fit")]
    public void Bind_VerificationThatCannotWork_RefusedAtStartNamingTheSettings(string interval, string healthyFor, string deadline, string message)
    {
        var ex = Assert.ThrowsExactly<OptionsValidationException>(() => Bind(new Dictionary<string, string?>
        {
            ["Workflow:VerifyInterval"] = interval,
            ["Workflow:VerifyHealthyFor"] = healthyFor,
            ["Workflow:VerifyDeadline"] = deadline,
        }));

        StringAssert.Contains(ex.Message, message);
    }

    [TestMethod]
    [DataRow("00:01:00", "00:05:00", "00:20:00", 21)]
    [DataRow("00:01:00", "00:05:00", "23:59:00", 1440)]
    [DataRow("00:00:01", "00:00:02", "00:00:15", 16)]
    public void Bind_BoundedVerification_AcceptedWithItsPollCount(string interval, string healthyFor, string deadline, int polls)
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["Workflow:VerifyInterval"] = interval,
            ["Workflow:VerifyHealthyFor"] = healthyFor,
            ["Workflow:VerifyDeadline"] = deadline,
        });

        Assert.AreEqual(polls, VerificationOrchestration.PollsFor(options.VerifyDeadline, options.VerifyInterval));
    }

    [TestMethod]
    [DataRow("false", false)]
    [DataRow("true", null)]
    [DataRow(null, null)]
    public void ToSettings_EvidenceDumpsEnabled_TravelsToTheOrchestratorOnlyWhenOff(string? dumpsEnabled, bool? expected)
    {
        // Null: the setting is absent (dumps on by default).
        var options = Bind(dumpsEnabled is null ? new Dictionary<string, string?>() : new Dictionary<string, string?> { ["Evidence:DumpsEnabled"] = dumpsEnabled });

        Assert.AreEqual(expected, options.ToSettings().DumpsEnabled);
    }
}
