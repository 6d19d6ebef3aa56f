/**
 * Twilio webhooks: inbound SMS and delivery status callbacks. Every route in this plugin checks
 * the signature before anything else (403), then validates the fields it needs (400).
 */
import formbody from '@fastify/formbody';
import type { FastifyPluginAsync } from 'fastify';
import { twilioSignatureCheck } from '../../../channels/twilio/webhook-auth.js';
import { createGroupCommit } from '../../../db/group-commit.js';
import { applyDeliveryStatuses, type StatusReport, twilioStatus } from '../../../ledger/delivery-status.js';
import { LEDGER_ID, refuseNulBytes } from './fields.js';
import { twilioVoiceRoutes } from './twilio-voice.js';

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

const smsBody = {
  type: 'object',
  required: ['MessageSid', 'From'],
  properties: {
    MessageSid: { type: 'string', pattern: '^(SM|MM)[0-9a-fA-F]{32}$' },
    From: { type: 'string', minLength: 3, maxLength: 64 },
    To: { type: 'string', maxLength: 64 },
    Body: { type: 'string', maxLength: 5000 },
  },
} as const;

const statusBody = {
  type: 'object',
  required: ['MessageSid', 'MessageStatus'],
  properties: {
    MessageSid: { type: 'string', pattern: '^(SM|MM)[0-9a-fA-F]{32}$' },
    MessageStatus: {
      type: 'string',
      enum: [
        'accepted',
        'scheduled',
        'queued',
        'sending',
        'sent',
        'delivered',
        'read',
        'undelivered',
        'failed',
        'canceled',
        'receiving',
        'received',
      ],
    },
    ErrorCode: { type: 'string', pattern: '^[0-9]{0,6}$' },
  },
} as const;

const statusQuery = { type: 'object', properties: { m: LEDGER_ID } } as const;

export const twilioWebhooks: FastifyPluginAsync = async (app) => {
  const { providers, recorder, db, config } = app.deps;
  // Status callbacks arrive as fast as messages go out: applied in batches, each answered once
  // its batch is written.
  const statuses = createGroupCommit<StatusReport, void>({
    flush: async (reports) => {
      await applyDeliveryStatuses(db.pool, reports);
      return reports.map(() => undefined);
    },
    maxBatch: 500,
    maxInFlight: 2,
  });
  await app.register(formbody);
  app.addHook(
    'preValidation',
    twilioSignatureCheck(() => providers.twilio.authToken, config.PUBLIC_BASE_URL),
  );
  // After the signature: a forged request learns nothing about the fields.
  app.addHook('preValidation', refuseNulBytes);

  app.post<{ Body: { MessageSid: string; From: string; To?: string; Body?: string } }>(
    '/webhooks/twilio/sms',
    { schema: { body: smsBody } },
    async (req, reply) => {
      const b = req.body;
      const { duplicate } = await recorder.record({
        channel: 'SMS',
        providerId: b.MessageSid,
        from: b.From,
        text: b.Body ?? '',
        payload: { ...(req.body as Record<string, unknown>) },
      });
      if (duplicate) req.log.info({ messageSid: b.MessageSid }, 'repeated inbound SMS ignored');
      return reply.type('text/xml').send(EMPTY_TWIML);
    },
  );

  await app.register(twilioVoiceRoutes);

  app.post<{ Body: { MessageSid: string; MessageStatus: string; ErrorCode?: string }; Querystring: { m?: string } }>(
    '/webhooks/twilio/status',
    { schema: { body: statusBody, querystring: statusQuery } },
    async (req, reply) => {
      const { MessageSid, MessageStatus, ErrorCode } = req.body;
      const status = twilioStatus('message', MessageStatus);
      if (status) {
        await statuses.submit({
          outboundId: req.query.m ? BigInt(req.query.m) : undefined,
          providerId: MessageSid,
          status,
          errorCode: ErrorCode || undefined,
        });
      }
      return reply.status(204).send();
    },
  );
};
