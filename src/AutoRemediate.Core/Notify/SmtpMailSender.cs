using AutoRemediate.Shared;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace AutoRemediate.Notify;

/// <summary>Sends mail over SMTP with MailKit: connect, authenticate, send the batch, disconnect.</summary>
public sealed class SmtpMailSender : IMailSender
{
    private readonly MailOptions _options;
    private readonly ILogger<SmtpMailSender> _logger;

    /// <summary>Creates the sender.</summary>
    public SmtpMailSender(IOptions<MailOptions> options, ILogger<SmtpMailSender> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
    }

    /// <inheritdoc />
    public async Task SendAsync(IReadOnlyList<OutgoingMail> mails, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mails);
        if (mails.Count == 0)
        {
            return;
        }

        if (!_options.IsConfigured)
        {
            throw new InvalidOperationException($"Mail is not configured ({MailOptions.SectionName}:{nameof(MailOptions.Host)}).");
        }

        var from = MailboxAddress.Parse(_options.From!);
        using var client = new SmtpClient { Timeout = (int)_options.Timeout.TotalMilliseconds };
        // One deadline for the whole batch besides the per-operation timeout: a server that trickles
        // its answers must not hold the activity for ever.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout * (2 + mails.Count));
        var secure = _options.UseTls switch
        {
            MailTls.SslOnConnect => SecureSocketOptions.SslOnConnect,
            MailTls.StartTls => SecureSocketOptions.StartTls,
            _ => SecureSocketOptions.None,
        };
        await client.ConnectAsync(_options.Host!, _options.EffectivePort, secure, deadline.Token).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(_options.UserName))
        {
            await client.AuthenticateAsync(_options.UserName, _options.Password ?? string.Empty, deadline.Token).ConfigureAwait(false);
        }

        foreach (var mail in mails)
        {
            using var message = new MimeMessage();
            message.From.Add(from);
            message.To.Add(MailboxAddress.Parse(mail.To));
            message.Subject = mail.Content.Subject;
            message.Body = new BodyBuilder { TextBody = mail.Content.Text, HtmlBody = mail.Content.Html }.ToMessageBody();
            await client.SendAsync(message, deadline.Token).ConfigureAwait(false);
            Log.MailSent(_logger, mail.To, mail.Content.Subject);
        }

        // Every message was accepted (the server answered 250 to its data): the mailing has succeeded. QUIT is a
        // courtesy, bounded on its own: a server slow to answer it (MailDev sometimes is) must not turn a delivered
        // mailing into a failure, which the workflow's retry would send again. Disposing the client closes the socket.
        using var quit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        quit.CancelAfter(QuitTimeout);
        try
        {
            await client.DisconnectAsync(quit: true, quit.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.MailQuitUnanswered(_logger, Display.FirstLine(ex.Message));
        }
    }

    /// <summary>How long a delivered mailing waits for the server's answer to QUIT.</summary>
    public static readonly TimeSpan QuitTimeout = TimeSpan.FromSeconds(5);
}
