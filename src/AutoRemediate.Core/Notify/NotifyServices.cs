using AutoRemediate.Azure;
using AutoRemediate.Shared;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AutoRemediate.Notify;

/// <summary>Registration of mail.</summary>
internal static class NotifyServices
{
    /// <summary>Name of the <see cref="HttpClient"/> behind the ACS Email pipeline.</summary>
    public const string AcsEmailHttpClientName = "AutoRemediate.AcsEmail";

    /// <summary>
    /// Registers <see cref="MailOptions"/> and <see cref="ApproverOptions"/> (validated at start), the sender
    /// <see cref="MailOptions.Provider"/> names (SMTP or ACS Email) and the mail activities.
    /// </summary>
    public static IServiceCollection AddNotify(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<MailOptions>(configuration, MailOptions.SectionName)
            // The Sandbox credential's fixed token is for the local Sandbox only, as with ARM (AzureOptions).
            .Validate<IOptions<AzureOptions>>(
                (mail, azure) => mail.Provider != MailProvider.AcsEmail || !mail.IsConfigured || azure.Value.Credential != CredentialMode.Sandbox || mail.AcsEndpoint!.IsLoopback,
                $"{MailOptions.SectionName}:{nameof(MailOptions.AcsEndpoint)} must be a loopback address (the local Sandbox) when {AzureOptions.SectionName}:{nameof(AzureOptions.Credential)} is Sandbox.");
        services.AddValidatedOptions<ApproverOptions>(configuration, ApproverOptions.SectionName);

        // Same shape as the ARM HttpClient: Azure.Core's pipeline does retries and timeouts, the handler
        // pools connections and pins the Sandbox certificate for loopback hosts only.
        services.AddHttpClient(AcsEmailHttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                SslOptions = { RemoteCertificateValidationCallback = LoopbackCertificateTrust.Create(sp.GetRequiredService<IOptions<AzureOptions>>().Value.SandboxCertificateThumbprint) },
            });
        services.AddSingleton(sp =>
        {
            var options = new AcsEmailClientOptions
            {
                Transport = new HttpClientTransport(sp.GetRequiredService<IHttpClientFactory>().CreateClient(AcsEmailHttpClientName)),
            };
            options.Retry.NetworkTimeout = sp.GetRequiredService<IOptions<MailOptions>>().Value.Timeout;
            return options;
        });
        services.AddSingleton<SmtpMailSender>();
        services.AddSingleton<AcsEmailSender>();
        services.AddSingleton<IMailSender>(sp => sp.GetRequiredService<IOptions<MailOptions>>().Value.Provider == MailProvider.AcsEmail
            ? sp.GetRequiredService<AcsEmailSender>()
            : sp.GetRequiredService<SmtpMailSender>());
        services.AddSingleton<NotifyActivities>();
        return services;
    }
}
