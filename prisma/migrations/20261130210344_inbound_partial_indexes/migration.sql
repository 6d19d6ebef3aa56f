-- DropIndex
DROP INDEX "InboundMessage_handledAt_idx";

-- CreateIndex
CREATE INDEX "InboundMessage_unhandled_idx" ON "InboundMessage"("id") WHERE ("handledAt" IS NULL);

-- CreateIndex
CREATE INDEX "InboundMessage_unknown_sender_idx" ON "InboundMessage"("receivedAt") WHERE ("workerId" IS NULL AND "familyContactId" IS NULL AND "handledAt" IS NOT NULL);
