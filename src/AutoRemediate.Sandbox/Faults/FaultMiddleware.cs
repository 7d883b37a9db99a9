using AutoRemediate.Sandbox.Arm;

namespace AutoRemediate.Sandbox.Faults;

/// <summary>Applies the first matching fault to an Azure-facing request (ARM or SCM), before its route runs.</summary>
internal static class FaultMiddleware
{
    private const string ItemKey = "AutoRemediate.Sandbox.Fault";

    /// <summary>The fault applied to this request, for routes that read its options (dump size, broken stream, LRO mode).</summary>
    public static FaultRule? AppliedFault(HttpContext context) => context.Items.TryGetValue(ItemKey, out var fault) ? fault as FaultRule : null;

    /// <summary>Returns true when the fault answered the request itself.</summary>
    public static async Task<bool> ApplyAsync(HttpContext context, FaultStore faults)
    {
        var fault = faults.Take(context.Request.Method, context.Request.Path.Value ?? string.Empty);
        if (fault is null)
        {
            return false;
        }

        context.Items[ItemKey] = fault;
        if (fault.DelayMs is > 0)
        {
            // Latency is real time (a frozen test clock must not hang the request).
            await Task.Delay(fault.DelayMs.Value, context.RequestAborted);
        }

        if (fault.Status is not int status)
        {
            return false;
        }

        if (fault.RetryAfterSeconds is int retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var code = fault.ErrorCode ?? ArmErrors.CodeFor(status);
        var message = fault.Message ?? $"Injected by the Sandbox ({fault.Id}): {status} {code}.";
        await ArmErrors.Create(status, code, message).ExecuteAsync(context);
        return true;
    }
}
