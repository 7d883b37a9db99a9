using Azure;
using Grpc.Core;

namespace AutoRemediate.Http;

/// <summary>
/// Recognises "a dependency could not take the request right now" — Table Storage or the Durable
/// backend — so the front door answers 503 (which Azure Monitor and Event Grid retry) instead of 500.
/// </summary>
public static class DependencyFailures
{
    /// <summary>True for storage errors, transport errors and unavailable Durable backends.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        // Azure.Core: status 0 when nothing answered, 408/429/5xx from the service; after its own
        // retries on transport errors it throws an AggregateException of these.
        RequestFailedException ex => ex.Status is 0 or 408 or 429 or >= 500,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsTransient),
        // The Durable Task client talks gRPC to the backend (the Functions host, or the DevHost's sidecar).
        RpcException rpc => rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted,
        HttpRequestException or TimeoutException => true,
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };

    /// <summary>The 503 answer, with Retry-After.</summary>
    public static Microsoft.AspNetCore.Http.IResult Unavailable(string detail) =>
        new RetryAfterResult(Problems.Status(503, "Service temporarily unavailable.", detail + " Nothing was lost: retry later."));

    private sealed class RetryAfterResult(Microsoft.AspNetCore.Http.IResult inner) : Microsoft.AspNetCore.Http.IResult
    {
        public Task ExecuteAsync(Microsoft.AspNetCore.Http.HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = "30";
            return inner.ExecuteAsync(httpContext);
        }
    }
}
