using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Http;

/// <summary>
/// The front door shared by the alert and event webhooks: the optional Entra ID check first (a 401
/// before anything is read), then the JSON body within <see cref="IngestOptions.MaxBodyBytes"/>.
/// </summary>
public sealed class WebhookReader
{
    private readonly WebhookAuthenticator _auth;
    private readonly IOptions<IngestOptions> _options;

    /// <summary>Creates the reader.</summary>
    public WebhookReader(WebhookAuthenticator auth, IOptions<IngestOptions> options)
    {
        _auth = auth;
        _options = options;
    }

    /// <summary>The body, or the problem to answer with (401, 413, 415).</summary>
    public async Task<(ReadOnlyMemory<byte> Body, IResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await _auth.AuthenticateAsync(request, cancellationToken).ConfigureAwait(false) is { } denied)
        {
            return (default, denied);
        }

        return await RequestBody.ReadJsonAsync(request, _options.Value.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
    }
}
