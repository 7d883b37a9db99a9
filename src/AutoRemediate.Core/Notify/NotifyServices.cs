using AutoRemediate.Shared;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AutoRemediate.Notify;

/// <summary>Registration of mail.</summary>
internal static class NotifyServices
{
    /// <summary>Registers <see cref="MailOptions"/> and <see cref="ApproverOptions"/> (validated at start), the SMTP sender and the mail activities.</summary>
    public static IServiceCollection AddNotify(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<MailOptions>(configuration, MailOptions.SectionName);
        services.AddValidatedOptions<ApproverOptions>(configuration, ApproverOptions.SectionName);
        services.AddSingleton<IMailSender, SmtpMailSender>();
        services.AddSingleton<NotifyActivities>();
        return services;
    }
}
