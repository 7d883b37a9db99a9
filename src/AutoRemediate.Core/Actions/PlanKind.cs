namespace AutoRemediate.Actions;

// WARNING: travels in orchestration history inside decisions and action requests. Add values only at
// the end; never rename or reorder one.

/// <summary>A plan the policy can choose.</summary>
public enum PlanKind
{
    /// <summary>Diagnostics only: nothing explains the alert, or a guardrail forbids acting; people take over.</summary>
    Escalate,

    /// <summary>Restart the whole app.</summary>
    RestartApp,

    /// <summary>Restart the worker on one instance (kill its process; App Service starts a new one).</summary>
    RestartInstance,

    /// <summary>Add one instance to the plan.</summary>
    ScaleOut,

    /// <summary>Move the plan one SKU up the allowed ladder.</summary>
    ScaleUp,
}
