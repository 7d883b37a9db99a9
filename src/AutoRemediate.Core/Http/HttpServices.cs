using AutoRemediate.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AutoRemediate.Http;

/// <summary>Registration of what the webhooks share: request limits and the optional Entra ID check.</summary>
internal static class HttpServices
{
    /// <summary>Name of the <see cref="HttpClient"/> that fetches Entra ID signing keys.</summary>
    public const string EntraHttpClientName = "AutoRemediate.Entra";

    /// <summary>Registers <see cref="IngestOptions"/>, <see cref="WebhookAuthOptions"/>, the tenant's signing keys, the authenticator and the reader.</summary>
    public static IServiceCollection AddWebhookSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<IngestOptions>(configuration, IngestOptions.SectionName);
        services.AddValidatedOptions<WebhookAuthOptions>(configuration, WebhookAuthOptions.SectionName);
        services.AddSingleton<Microsoft.IdentityModel.Tokens.BaseConfigurationManager>(sp =>
        {
            // The tenant's signing keys, fetched from its OpenID metadata and refreshed by the manager.
            var auth = sp.GetRequiredService<IOptions<WebhookAuthOptions>>().Value;
            if (!auth.Enabled)
            {
                return new StaticConfigurationManager<OpenIdConnectConfiguration>(new OpenIdConnectConfiguration());
            }

            return new ConfigurationManager<OpenIdConnectConfiguration>(
                WebhookAuthenticator.MetadataAddress(auth), new OpenIdConnectConfigurationRetriever(),
                new HttpDocumentRetriever(sp.GetRequiredService<IHttpClientFactory>().CreateClient(EntraHttpClientName)));
        });
        services.AddHttpClient(EntraHttpClientName);
        services.AddValidatedOptions<PageAuthOptions>(configuration, PageAuthOptions.SectionName);
        services.AddKeyedSingleton(PageSignIn.MetadataKey, (sp, _) =>
        {
            var auth = sp.GetRequiredService<IOptions<PageAuthOptions>>().Value;
            return TenantKeys(sp, auth.Enabled, auth.Instance, auth.TenantId);
        });
        services.AddSingleton<PageSignIn>();
        services.AddSingleton<WebhookAuthenticator>();
        services.AddSingleton<WebhookReader>();
        return services;
    }

    /// <summary>
    /// A tenant's signing keys, fetched from its OpenID metadata and refreshed by the manager; none when the check that
    /// needs them is off.
    /// </summary>
    public static Microsoft.IdentityModel.Tokens.BaseConfigurationManager TenantKeys(IServiceProvider services, bool enabled, Uri instance, string? tenantId) =>
        enabled
            ? new ConfigurationManager<OpenIdConnectConfiguration>(
                EntraTokens.MetadataAddress(instance, tenantId), new OpenIdConnectConfigurationRetriever(),
                new HttpDocumentRetriever(services.GetRequiredService<IHttpClientFactory>().CreateClient(EntraHttpClientName)))
            : new StaticConfigurationManager<OpenIdConnectConfiguration>(new OpenIdConnectConfiguration());
}
