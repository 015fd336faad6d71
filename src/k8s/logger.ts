// winston JSON logs. Fields that may carry secret material are redacted before they are written.
import winston from 'winston';

const SENSITIVE = /^(password|token|auth|secret|secretkey|data|\.dockerconfigjson|authorization)$/i;

const redact = winston.format((info) => {
  for (const k of Object.keys(info)) if (SENSITIVE.test(k)) info[k] = '[redacted]';
  return info;
});

export function createLogger(level = 'info', stream?: NodeJS.WritableStream): winston.Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(redact(), winston.format.timestamp(), winston.format.json()),
    transports: [stream ? new winston.transports.Stream({ stream }) : new winston.transports.Console({ stderrLevels: [] })],
  });
}
