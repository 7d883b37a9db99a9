using System.Net.Security;
using System.Security.Cryptography;

namespace AutoRemediate.Azure;

/// <summary>
/// Server-certificate check for outgoing calls: the normal chain validation, plus one exception —
/// a pinned self-signed certificate (the Sandbox's) is accepted when the peer is a loopback host.
/// Remote hosts never get the exception, so production trust is unchanged.
/// </summary>
public static class LoopbackCertificateTrust
{
    /// <summary>Builds the validation callback; with no thumbprint it is the platform default.</summary>
    public static RemoteCertificateValidationCallback? Create(string? pinnedSha256Thumbprint)
    {
        if (string.IsNullOrWhiteSpace(pinnedSha256Thumbprint))
        {
            return null;
        }

        var pinned = pinnedSha256Thumbprint.Replace(":", string.Empty, StringComparison.Ordinal).Trim();
        return (sender, certificate, chain, errors) =>
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            if (certificate is null || !IsLoopbackTarget(sender))
            {
                return false;
            }

            var actual = Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));
            return string.Equals(actual, pinned, StringComparison.OrdinalIgnoreCase);
        };
    }

    private static bool IsLoopbackTarget(object sender) => sender switch
    {
        HttpRequestMessage { RequestUri: { } uri } => uri.IsLoopback,
        SslStream { TargetHostName: { } host } => IsLoopbackHost(host),
        string host => IsLoopbackHost(host),
        _ => false,
    };

    private static bool IsLoopbackHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
