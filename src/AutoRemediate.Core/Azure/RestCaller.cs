using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AutoRemediate.Azure;

/// <summary>
/// Request helpers over one Azure.Core <see cref="HttpPipeline"/>: JSON reads that throw
/// <see cref="RequestFailedException"/> for error statuses, unbuffered streams, paging and
/// long-running operations, for the ARM clients on <see cref="ArmPipeline"/>. Links in answers (<c>nextLink</c>,
/// <c>Location</c>, <c>Azure-AsyncOperation</c>) are followed only to the endpoint the client was
/// configured with: an answer can never send the bearer token, or the pipeline, anywhere else.
/// </summary>
internal sealed class RestCaller
{
    private readonly HttpPipeline _pipeline;
    private readonly TimeProvider _time;
    private readonly Uri _endpoint;

    public RestCaller(HttpPipeline pipeline, TimeProvider time, Uri endpoint)
    {
        _pipeline = pipeline;
        _time = time;
        _endpoint = endpoint;
    }

    /// <summary>A link from an answer, accepted only when it points at the configured endpoint (scheme, host and port).</summary>
    public Uri Follow(string? link, string what)
    {
        if (!Uri.TryCreate(link, UriKind.Absolute, out var uri))
        {
            throw new RequestFailedException(200, $"The {what} in Azure Resource Manager's answer is not an absolute URL; not followed.", "InvalidLink", null);
        }

        if (Uri.Compare(uri, _endpoint, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            throw new RequestFailedException(200, $"The {what} points at {uri.GetLeftPart(UriPartial.Authority)}, not at {_endpoint.GetLeftPart(UriPartial.Authority)}; not followed.", "ForeignLink", null);
        }

        return uri;
    }

    public HttpMessage Create(RequestMethod method, Uri uri, ResponseClassifier? classifier = null)
    {
        var message = classifier is null ? _pipeline.CreateMessage() : _pipeline.CreateMessage(context: null, classifier);
        message.Request.Method = method;
        message.Request.Uri.Reset(uri);
        message.Request.Headers.Add("Accept", "application/json");
        return message;
    }

    public async Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var response = message.Response;
        if (response.IsError)
        {
            throw new RequestFailedException(response);
        }

        return response;
    }

    public async Task<JsonElement> GetJsonAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var message = Create(RequestMethod.Get, uri);
        var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every item of a paged ARM list (<c>value</c> + <c>nextLink</c>).</summary>
    public async Task<IReadOnlyList<JsonElement>> GetPagedAsync(Uri uri, CancellationToken cancellationToken)
    {
        var items = new List<JsonElement>();
        Uri? next = uri;
        for (var page = 0; next is not null && page < 1000; page++)
        {
            var body = await GetJsonAsync(next, cancellationToken).ConfigureAwait(false);
            if (body.ValueKind == JsonValueKind.Array)
            {
                items.AddRange(body.EnumerateArray());
                break;
            }

            if (body.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Array)
            {
                items.AddRange(value.EnumerateArray());
            }

            next = body.TryGetProperty("nextLink", out var link) && link.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(link.GetString())
                ? Follow(link.GetString(), "nextLink")
                : null;
        }

        return items;
    }

    /// <summary>Sends a request whose response body is a stream the caller reads and disposes; never buffered.</summary>
    public async Task<Stream> OpenStreamAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        message.BufferResponse = false;
        await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message.ExtractResponseContent() ?? Stream.Null;
    }

    /// <summary>
    /// Follows an ARM long-running operation: 201/202 with <c>Azure-AsyncOperation</c> (polled until a
    /// terminal status) or <c>Location</c> (polled until it stops answering 202), waiting
    /// <c>Retry-After</c> between polls. Returns the final resource body when there is one.
    /// </summary>
    public async Task<JsonElement?> WaitForCompletionAsync(Response initial, Uri resource, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (initial.Status is not (201 or 202))
        {
            return await ReadJsonOrNullAsync(initial, cancellationToken).ConfigureAwait(false);
        }

        initial.Headers.TryGetValue("Azure-AsyncOperation", out var asyncOperation);
        initial.Headers.TryGetValue("Location", out var location);
        var poll = Follow(asyncOperation ?? location ?? throw new RequestFailedException(initial.Status, "The long-running operation answered without Azure-AsyncOperation or Location."),
            asyncOperation is not null ? "Azure-AsyncOperation header" : "Location header");
        var deadline = _time.GetUtcNow() + timeout;
        var delay = RetryAfter(initial);
        while (true)
        {
            if (_time.GetUtcNow() + delay > deadline)
            {
                throw new TimeoutException($"The operation on {resource.AbsolutePath} did not finish within {timeout}.");
            }

            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            using var message = Create(RequestMethod.Get, poll);
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
            var response = message.Response;
            if (response.IsError)
            {
                throw new RequestFailedException(response);
            }

            delay = RetryAfter(response);
            if (asyncOperation is not null)
            {
                var status = await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
                var state = status.TryGetProperty("status", out var s) ? s.GetString() : null;
                if (string.Equals(state, "Succeeded", StringComparison.OrdinalIgnoreCase))
                {
                    return await GetJsonAsync(resource, cancellationToken).ConfigureAwait(false);
                }

                if (state is not null && (state.Equals("Failed", StringComparison.OrdinalIgnoreCase) || state.Equals("Canceled", StringComparison.OrdinalIgnoreCase)))
                {
                    var error = status.TryGetProperty("error", out var e) && e.TryGetProperty("message", out var m) ? m.GetString() : null;
                    throw new RequestFailedException(200, $"The operation on {resource.AbsolutePath} ended {state}: {error ?? "no detail"}", state, null);
                }

                continue;
            }

            if (response.Status != 202)
            {
                return await ReadJsonOrNullAsync(response, cancellationToken).ConfigureAwait(false)
                    ?? await GetJsonAsync(resource, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static TimeSpan RetryAfter(Response response) =>
        response.Headers.TryGetValue("Retry-After", out var value) && int.TryParse(value, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(Math.Min(seconds, 60))
            : TimeSpan.FromSeconds(1);

    private static async Task<JsonElement> ReadJsonAsync(Response response, CancellationToken cancellationToken)
    {
        using var document = await JsonDocument.ParseAsync(response.ContentStream ?? Stream.Null, cancellationToken: cancellationToken).ConfigureAwait(false);
        return document.RootElement.Clone();
    }

    private static async Task<JsonElement?> ReadJsonOrNullAsync(Response response, CancellationToken cancellationToken)
    {
        if (response.ContentStream is null || (response.Headers.ContentLength ?? 1) == 0)
        {
            return null;
        }

        try
        {
            return await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Retries only throttling (429, honouring Retry-After): for actions such as restart, where a
/// transport error or 5xx leaves it unknown whether the action ran, and repeating it would restart
/// the app twice. Azure.Core's default classifier retries POSTs on 408/5xx too.
/// </summary>
internal sealed class ThrottlingOnlyClassifier : ResponseClassifier
{
    public static readonly ThrottlingOnlyClassifier Instance = new();

    public override bool IsRetriableResponse(HttpMessage message) => message.Response.Status == 429;

    public override bool IsRetriableException(Exception exception) => false;

    public override bool IsRetriable(HttpMessage message, Exception exception) => false;
}
