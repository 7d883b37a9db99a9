using System.Text.Json;
using AutoRemediate.Sandbox.Arm;
using AutoRemediate.Sandbox.Faults;

namespace AutoRemediate.Sandbox.Email;

/// <summary>
/// Azure Communication Services Email's data plane, as in Azure/azure-rest-api-specs
/// specification/communication/data-plane/Email/stable/2025-09-01: <c>POST /emails:send</c> (202 with
/// <c>{id, status}</c> and <c>Operation-Location</c>) and <c>GET /emails/operations/{id}</c>
/// (<c>{id, status, error}</c>). The bearer token and api-version are checked by the Sandbox's middleware
/// as for ARM. Senders must be on <see cref="LinkedDomain"/>, the one domain "linked" to this resource.
/// Faults: any injected status (429 with Retry-After, 5xx); <c>lroResult</c> <c>Failed</c> makes the
/// operation end Failed, <c>Running</c> keeps it running for ever (a client's timeout).
/// </summary>
internal static class EmailRoutes
{
    /// <summary>The path prefix of the ACS Email routes.</summary>
    public const string Prefix = "/emails";

    /// <summary>The sender domain the Sandbox's ACS resource accepts (like an Azure-managed <c>&lt;guid&gt;.azurecomm.net</c> domain).</summary>
    public const string LinkedDomain = "sandbox.azurecomm.net";

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/emails:send", SendAsync);
        routes.MapGet("/emails/operations/{operationId}", (string operationId, EmailStore store) =>
            store.Find(operationId) is { } mail
                ? Results.Json(Result(mail))
                : ArmErrors.Create(404, "NotFound", $"The operation '{operationId}' was not found."));
    }

    private static async Task<IResult> SendAsync(HttpContext context, EmailStore store, TimeProvider time)
    {
        JsonDocument json;
        try
        {
            json = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            return ArmErrors.BadRequest("The request body is not valid JSON.");
        }

        using (json)
        {
            var operationId = context.Request.Headers["Operation-Id"].ToString();
            if (operationId.Length == 0)
            {
                operationId = Guid.NewGuid().ToString();
            }
            else if (!Guid.TryParse(operationId, out _))
            {
                return ArmErrors.BadRequest("The Operation-Id header must be a GUID.", "InvalidOperationId");
            }

            var (mail, problem, code) = Parse(json.RootElement, operationId, time.GetUtcNow(), FaultMiddleware.AppliedFault(context)?.LroResult);
            if (mail is null)
            {
                return ArmErrors.BadRequest(problem!, code!);
            }

            var (stored, _) = store.Add(mail);
            var request = context.Request;
            context.Response.Headers["Operation-Location"] = $"{request.Scheme}://{request.Host}{Prefix}/operations/{stored.OperationId}?api-version={Uri.EscapeDataString(request.Query["api-version"].ToString())}";
            return Results.Json(new { id = stored.OperationId, status = "Running" }, statusCode: 202);
        }
    }

    private static object Result(SandboxMail mail) => mail.ErrorCode is null
        ? new { id = mail.OperationId, status = mail.Status }
        : new { id = mail.OperationId, status = mail.Status, error = new { code = mail.ErrorCode, message = mail.ErrorMessage } };

    // The EmailMessage schema's required parts (senderAddress, content.subject, recipients.to[].address),
    // optional plainText/html/headers with their types; anything else is refused with 400 like the service.
    private static (SandboxMail? Mail, string? Problem, string? Code) Parse(JsonElement root, string operationId, DateTimeOffset now, string? lroResult)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, "The request body must be an EmailMessage object.", "BadRequest");
        }

        var sender = Text(root, "senderAddress");
        if (string.IsNullOrWhiteSpace(sender))
        {
            return (null, "senderAddress is required.", "BadRequest");
        }

        var at = sender.LastIndexOf('@');
        if (at <= 0 || !string.Equals(sender[(at + 1)..], LinkedDomain, StringComparison.OrdinalIgnoreCase))
        {
            return (null, $"The specified sender domain has not been linked (the Sandbox's linked domain is {LinkedDomain}).", "DomainNotLinked");
        }

        if (!root.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Object || Text(content, "subject") is not { Length: > 0 } subject)
        {
            return (null, "content.subject is required.", "BadRequest");
        }

        var plainText = Text(content, "plainText");
        var html = Text(content, "html");
        if (plainText is null && html is null)
        {
            return (null, "content needs plainText or html.", "BadRequest");
        }

        if (!root.TryGetProperty("recipients", out var recipients) || recipients.ValueKind != JsonValueKind.Object
            || !recipients.TryGetProperty("to", out var to) || to.ValueKind != JsonValueKind.Array || to.GetArrayLength() == 0)
        {
            return (null, "recipients.to needs at least one address.", "BadRequest");
        }

        var addresses = new List<string>();
        foreach (var recipient in to.EnumerateArray())
        {
            if (Text(recipient, "address") is not { } address || address.IndexOf('@', StringComparison.Ordinal) <= 0)
            {
                return (null, "Every recipients.to entry needs an address.", "InvalidRecipientAddress");
            }

            addresses.Add(address);
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (root.TryGetProperty("headers", out var given))
        {
            if (given.ValueKind != JsonValueKind.Object || given.EnumerateObject().Any(h => h.Value.ValueKind != JsonValueKind.String))
            {
                return (null, "headers must be an object of strings.", "BadRequest");
            }

            foreach (var header in given.EnumerateObject())
            {
                headers[header.Name] = header.Value.GetString()!;
            }
        }

        var (status, code, message) = lroResult switch
        {
            "Failed" or "failed" => ("Failed", "EmailDropped", "Email was dropped after several attempts to deliver (injected by the Sandbox)."),
            "Running" or "running" => ("Running", (string?)null, (string?)null),
            _ => ("Succeeded", null, null),
        };
        return (new SandboxMail(operationId, now, sender, addresses, subject, plainText, html, headers, status, code, message), null, null);
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
