-- AlterTable
ALTER TABLE "OutboundMessage" ADD COLUMN     "choices" JSONB;
