using AutoRemediate.Ingest;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace AutoRemediate.Functions;

/// <summary>Event Grid deliveries (EventGridEvent schema and CloudEvents 1.0). Function-level key in the subscription's endpoint URL.</summary>
public sealed class EventsFunction(EventsEndpoint endpoint)
{
    /// <summary>POST /api/events, and the CloudEvents validation OPTIONS request.</summary>
    [Function(FunctionNames.Events)]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", "options", Route = "events")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        new HttpResultAction(HttpMethods.IsOptions(request.Method)
            ? EventsEndpoint.Options(request)
            : await endpoint.HandleAsync(request, client, cancellationToken));
}
