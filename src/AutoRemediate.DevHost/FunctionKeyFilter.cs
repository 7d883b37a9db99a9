using System.Security.Cryptography;
using System.Text;
using AutoRemediate.Http;

namespace AutoRemediate.DevHost;

/// <summary>
/// The Functions host's rule for <c>AuthorizationLevel.Function</c>, for the DevHost: the key comes as
/// the <c>code</c> query parameter or the <c>x-functions-key</c> header; a missing or wrong key is a
/// 401. With no key configured every request passes, as under <c>func start</c>.
/// </summary>
internal sealed class FunctionKeyFilter(string? key) : IEndpointFilter
{
    private readonly byte[]? _key = string.IsNullOrEmpty(key) ? null : Encoding.UTF8.GetBytes(key);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (_key is null)
        {
            return await next(context);
        }

        var request = context.HttpContext.Request;
        var presented = request.Headers["x-functions-key"].ToString();
        if (string.IsNullOrEmpty(presented))
        {
            presented = request.Query["code"].ToString();
        }

        // Constant-time comparison: the key is a secret and timing must not leak how much matched.
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _key))
        {
            return Problems.Status(StatusCodes.Status401Unauthorized, "Unauthorized.", "A valid function key is required (?code= or x-functions-key).");
        }

        return await next(context);
    }
}
