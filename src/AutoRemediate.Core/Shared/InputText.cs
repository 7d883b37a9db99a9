using System.Text;

namespace AutoRemediate.Shared;

/// <summary>
/// Rules for text taken from untrusted input before it is stored or shown. Table Storage refuses
/// control characters in keys and values over 64 KiB, and a refusal there would surface as a 500,
/// which Azure Monitor does not retry: identity fields that break these rules are refused with a 400,
/// descriptive text is cleaned and capped instead.
/// </summary>
public static class InputText
{
    /// <summary>True when the text has no control characters and no unpaired UTF-16 surrogates.</summary>
    public static bool IsClean(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c))
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Descriptive text made safe to keep: control characters become spaces, unpaired surrogates are
    /// dropped, and anything past <paramref name="maxLength"/> is cut with an ellipsis. Null stays null.
    /// </summary>
    public static string? Clean(string? value, int maxLength)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length <= maxLength && IsClean(value))
        {
            return value;
        }

        var builder = new StringBuilder(Math.Min(value.Length, maxLength + 1));
        var i = 0;
        for (; i < value.Length; i++)
        {
            var c = value[i];
            var pair = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]);
            if (builder.Length + (pair ? 2 : 1) > maxLength)
            {
                break;
            }

            if (pair)
            {
                builder.Append(c).Append(value[++i]);
            }
            else if (!char.IsSurrogate(c))
            {
                builder.Append(char.IsControl(c) ? ' ' : c);
            }
        }

        return i < value.Length ? builder.Append('…').ToString() : builder.ToString();
    }
}
