using AutoRemediate.Approvals;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace AutoRemediate.Functions;

/// <summary>
/// The approval link. Anonymous on purpose: the 256-bit token in the link is the credential (a function key
/// in a mailed link would be a key in every mailbox), and the one-time code from the mail is needed to decide.
/// </summary>
public sealed class ApprovalsFunction(ApprovalLinkPages pages)
{
    /// <summary>GET (review page) and POST (decision form) /api/approve/{token}.</summary>
    [Function(FunctionNames.ApprovalLink)]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", Route = ApprovalLinkRoutes.Template)] HttpRequest request,
        string token,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) =>
        new HttpResultAction(HttpMethods.IsPost(request.Method)
            ? await pages.PostAsync(request, token, client, cancellationToken)
            : await pages.GetAsync(token, cancellationToken));
}
