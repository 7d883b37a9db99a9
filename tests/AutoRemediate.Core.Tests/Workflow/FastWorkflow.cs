namespace AutoRemediate.Core.Tests.Workflow;

/// <summary>Workflow settings that make a whole remediation run in seconds on the DurableTaskTestHost (no hold, 1-second polls).</summary>
internal static class FastWorkflow
{
    /// <summary>A fresh copy, so a test may add its own settings.</summary>
    public static Dictionary<string, string?> Settings() => new()
    {
        ["Workflow:EscalationHold"] = "00:00:00",
        ["Workflow:VerifyInterval"] = "00:00:01",
        ["Workflow:VerifyHealthyFor"] = "00:00:02",
        ["Workflow:VerifyDeadline"] = "00:00:15",
        ["Workflow:DiagnosticsTimeout"] = "00:00:30",
    };
}
