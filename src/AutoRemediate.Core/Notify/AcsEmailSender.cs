using System.Globalization;
using System.Text.Json;
using AutoRemediate.Azure;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Notify;

/// <summary>Options of the Azure.Core pipeline behind <see cref="AcsEmailSender"/> (retries, diagnostics, transport).</summary>
public sealed class AcsEmailClientOptions : ClientOptions
{
}

/// <summary>
/// Sends mail through Azure Communication Services Email's REST API (the Azure.Communication.Email SDK is
/// not available here), on an Azure.Core <see cref="HttpPipeline"/> with <see cref="BearerTokenAuthenticationPolicy"/>
/// and the pipeline's one Azure credential (the Function App's managed identity; the Sandbox credential locally).
/// One <c>POST {endpoint}/emails:send</c> per mail (each approver's mail carries their own link), then
/// <c>GET {endpoint}/emails/operations/{id}</c> until <c>Succeeded</c>, within <see cref="MailOptions.AcsSendTimeout"/>.
/// Azure.Core's retry policy retries 408/429/5xx honouring <c>Retry-After</c>; anything else that is not
/// <c>Succeeded</c> throws, so the workflow's durable mail retry and its timeline entries apply as with SMTP.
/// Routes, body and statuses: Azure/azure-rest-api-specs specification/communication/data-plane/Email/stable/2025-09-01.
/// </summary>
public sealed class AcsEmailSender : IMailSender
{
    /// <summary>
    /// The token scope. The official Azure SDKs (azure-sdk-for-net Azure.Communication.* BuildHttpPipeline,
    /// azure-sdk-for-python azure-communication-email) ask for exactly this, double slash included; the
    /// single-slash form is not confirmed anywhere official (shared/docs/azure-facts.md §10.4).
    /// </summary>
    public const string Scope = "https://communication.azure.com//.default";

    private readonly MailOptions _options;
    private readonly HttpPipeline _pipeline;
    private readonly TimeProvider _time;
    private readonly ILogger<AcsEmailSender> _logger;

    /// <summary>Creates the sender.</summary>
    public AcsEmailSender(IOptions<MailOptions> options, TokenCredential credential, AcsEmailClientOptions clientOptions, TimeProvider time, ILogger<AcsEmailSender> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(clientOptions);
        _options = options.Value;
        _time = time;
        _logger = logger;
        _pipeline = HttpPipelineBuilder.Build(clientOptions, new BearerTokenAuthenticationPolicy(credential, Scope));
    }

    /// <inheritdoc />
    public async Task SendAsync(IReadOnlyList<OutgoingMail> mails, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mails);
        if (mails.Count == 0)
        {
            return;
        }

        if (!_options.IsConfigured || _options.Provider != MailProvider.AcsEmail)
        {
            throw new InvalidOperationException($"ACS Email is not configured ({MailOptions.SectionName}:{nameof(MailOptions.Provider)} {nameof(MailProvider.AcsEmail)} and {MailOptions.SectionName}:{nameof(MailOptions.AcsEndpoint)}).");
        }

        foreach (var mail in mails)
        {
            // One bounded wait per mail: a service that keeps answering Running or 429 must not hold the activity.
            using var budget = new CancellationTokenSource(_options.AcsSendTimeout, _time);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
            var operationId = Guid.NewGuid().ToString();
            try
            {
                await SendOneAsync(mail, operationId, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Log.AcsMailTimedOut(_logger, operationId, _options.AcsSendTimeout);
                throw new TimeoutException($"ACS Email did not finish sending the mail (operation {operationId}) within {_options.AcsSendTimeout} ({MailOptions.SectionName}:{nameof(MailOptions.AcsSendTimeout)}).");
            }

            Log.MailSent(_logger, mail.To, mail.Content.Subject);
        }
    }

    private async Task SendOneAsync(OutgoingMail mail, string operationId, CancellationToken cancellationToken)
    {
        using var send = _pipeline.CreateMessage();
        send.Request.Method = RequestMethod.Post;
        send.Request.Uri.Reset(Url("/emails:send"));
        // The caller's operation id makes a POST that Azure.Core retries (after a 429, a 5xx or a lost
        // answer) name the same operation instead of queueing the mail twice.
        send.Request.Headers.Add("Operation-Id", operationId);
        send.Request.Headers.Add(HttpHeader.Names.ContentType, "application/json");
        send.Request.Content = RequestContent.Create(Body(mail));
        await _pipeline.SendAsync(send, cancellationToken).ConfigureAwait(false);
        var response = send.Response;
        if (response.Status != 202)
        {
            throw new RequestFailedException(response);
        }

        var (id, status, _, _) = Result(response);
        // The poll URL is built on the configured endpoint from a checked id, never taken from
        // Operation-Location: an answer cannot send the bearer token anywhere else.
        id = ArmIds.Segment(id ?? operationId, "ACS Email operation id");
        Log.AcsMailAccepted(_logger, mail.To, id);
        var delay = RetryAfter(response);
        while (!IsTerminal(status))
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            using var poll = _pipeline.CreateMessage();
            poll.Request.Method = RequestMethod.Get;
            poll.Request.Uri.Reset(Url("/emails/operations/" + Uri.EscapeDataString(id)));
            await _pipeline.SendAsync(poll, cancellationToken).ConfigureAwait(false);
            if (poll.Response.Status != 200)
            {
                throw new RequestFailedException(poll.Response);
            }

            (_, status, var code, var message) = Result(poll.Response);
            if (string.Equals(status, "Failed", StringComparison.OrdinalIgnoreCase) || string.Equals(status, "Canceled", StringComparison.OrdinalIgnoreCase))
            {
                Log.AcsMailFailed(_logger, id, status!, code ?? "none", message ?? "no detail");
                throw new RequestFailedException(200, $"ACS Email operation {id} ended {status}: {code ?? "no error code"}: {message ?? "no detail"}", code, null);
            }

            delay = RetryAfter(poll.Response);
        }

        if (!string.Equals(status, "Succeeded", StringComparison.OrdinalIgnoreCase))
        {
            throw new RequestFailedException(202, $"ACS Email operation {id} ended {status}.", status, null);
        }
    }

    private static bool IsTerminal(string? status) => status is not null && !status.Equals("NotStarted", StringComparison.OrdinalIgnoreCase) && !status.Equals("Running", StringComparison.OrdinalIgnoreCase);

    private Uri Url(string path) =>
        new($"{_options.AcsEndpoint!.GetLeftPart(UriPartial.Authority)}{path}?api-version={Uri.EscapeDataString(_options.AcsApiVersion)}");

    // The poll's retry-after is "the minimum amount of time in seconds to wait before polling" (spec);
    // without it, the configured interval. Either way the per-mail budget bounds the whole wait.
    private TimeSpan RetryAfter(Response response) =>
        response.Headers.TryGetValue("Retry-After", out var value) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : _options.AcsPollInterval;

    private static (string? Id, string? Status, string? ErrorCode, string? ErrorMessage) Result(Response response)
    {
        try
        {
            using var json = JsonDocument.Parse(response.Content.ToMemory());
            var root = json.RootElement;
            var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object ? e : default;
            return (Text(root, "id"), Text(root, "status"), error.ValueKind == JsonValueKind.Object ? Text(error, "code") : null, error.ValueKind == JsonValueKind.Object ? Text(error, "message") : null);
        }
        catch (JsonException)
        {
            throw new RequestFailedException(response.Status, "ACS Email answered with a body that is not its EmailSendResult JSON.", "InvalidResponse", null);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // EmailMessage: senderAddress, recipients.to[].address, content.subject/plainText/html.
    private BinaryData Body(OutgoingMail mail) => BinaryData.FromObjectAsJson(new
    {
        senderAddress = _options.From!.Trim(),
        recipients = new { to = new[] { new { address = mail.To } } },
        content = new { subject = mail.Content.Subject, plainText = mail.Content.Text, html = mail.Content.Html },
        // Approval mail carries a one-time link: no engagement tracking rewriting it.
        userEngagementTrackingDisabled = true,
    });
}
