using Azure.Core;

namespace AutoRemediate.Azure;

/// <summary>
/// A credential that hands out a fixed, meaningless token. It exists only so the real Azure.Core
/// pipeline (with its bearer-token policy) can talk to the local Sandbox; <see cref="AzureOptions"/>
/// refuses it for any endpoint that is not loopback.
/// </summary>
public sealed class SandboxCredential : TokenCredential
{
    /// <summary>The token value the Sandbox accepts.</summary>
    public const string TokenValue = "sandbox-token";

    private readonly TimeProvider _time;

    /// <summary>Creates the credential.</summary>
    public SandboxCredential(TimeProvider time) => _time = time;

    /// <inheritdoc />
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(TokenValue, _time.GetUtcNow().AddHours(1));

    /// <inheritdoc />
    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
