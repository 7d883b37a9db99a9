using System.Net.Sockets;
using Azure;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AutoRemediate.Http;

/// <summary>
/// The one place where "a dependency could not take the request" becomes an HTTP answer, for every
/// endpoint: Table Storage, Blob Storage or the Durable backend refusing, failing or hanging gives
/// 503 with <c>Retry-After</c> (Azure Monitor and Event Grid retry 503; Azure Monitor does not retry
/// 500 and stops calling for 15 minutes after its retries fail) within a bounded time, well inside
/// the sender's timeout. A value storage refuses (too large, a forbidden key character) is the
/// caller's input and gets a 400, never a 500.
/// </summary>
public static class DependencyFailures
{
    /// <summary>Seconds a 503 asks the sender to wait.</summary>
    public const int RetryAfterSeconds = 30;

    // Past the timeout the work is asked to stop; if it does not within this much more (a call that
    // ignores cancellation), the answer goes out anyway and the work ends in the background.
    private static readonly TimeSpan s_grace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs <paramref name="work"/> with a deadline of <paramref name="timeout"/>; maps a dependency
    /// failure or the deadline to 503, and a storage refusal of a value to 400. Anything else (a bug)
    /// is not caught.
    /// </summary>
    public static async Task<IResult> GuardAsync(Func<CancellationToken, Task<IResult>> work, TimeSpan timeout, string what, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var task = work(deadline.Token);
        try
        {
            // WaitAsync bounds the wait even when a call ignores its token (a frozen socket in a
            // library that does not observe cancellation).
            return await task.WaitAsync(timeout + s_grace, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStorageRefusal(ex, out var code))
        {
            Log.DependencyRefusedValue(logger, code);
            return Problems.Status(StatusCodes.Status400BadRequest, "Storage refuses a value of this request.",
                $"A value is too large or holds characters storage does not accept ({code}); nothing was stored.");
        }
        catch (Exception ex) when (IsTransient(ex) || (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            ObserveLater(task);
            Log.DependencyUnavailable(logger, ex.GetType().Name, ex.Message);
            return Unavailable(deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                ? $"{what} did not answer within {timeout.TotalSeconds:0} s."
                : $"{what} cannot take the request right now.");
        }
    }

    /// <summary>
    /// True for a dependency that failed rather than refused: storage errors other than a refused
    /// value, transport errors, and every error of the Durable client (it speaks gRPC to the Functions
    /// host or the DevHost's sidecar, which reports its own storage failures as Unknown or Internal).
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        RequestFailedException ex => !IsStorageRefusal(ex, out _) && ex.Status is 0 or 408 or 409 or 412 or 429 or >= 500,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsTransient),
        RpcException rpc => rpc.StatusCode is not (StatusCode.InvalidArgument or StatusCode.Unimplemented or StatusCode.PermissionDenied or StatusCode.Unauthenticated),
        HttpRequestException or TimeoutException or SocketException or IOException => true,
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };

    /// <summary>The 503 answer, with Retry-After.</summary>
    public static IResult Unavailable(string detail) =>
        new RetryAfterResult(Problems.Status(StatusCodes.Status503ServiceUnavailable, "Service temporarily unavailable.", detail + " Nothing was lost: retry later."));

    // Table Storage answers 400 (PropertyValueTooLarge, EntityTooLarge, InvalidInput, OutOfRangeInput,
    // KeyValueTooLarge, ...) or 413 for a value it will not store: that is the request's fault.
    private static bool IsStorageRefusal(Exception exception, out string code)
    {
        if (exception is RequestFailedException { Status: 400 or 413 } ex)
        {
            code = ex.ErrorCode ?? $"HTTP {ex.Status}";
            return true;
        }

        code = string.Empty;
        return false;
    }

    private static void ObserveLater(Task task) =>
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    private sealed class RetryAfterResult : IResult
    {
        private readonly IResult _inner;

        public RetryAfterResult(IResult inner)
        {
            _inner = inner;
        }

        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return _inner.ExecuteAsync(httpContext);
        }
    }
}
