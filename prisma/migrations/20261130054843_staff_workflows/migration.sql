-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "ServiceKind" ADD VALUE 'STAFF_VISIT';
ALTER TYPE "ServiceKind" ADD VALUE 'JOB_REFERRAL';

-- AlterEnum
ALTER TYPE "VerificationMethod" ADD VALUE 'REGISTERED_WORKER_NUMBER';

-- AlterEnum
ALTER TYPE "ConfirmationStatus" ADD VALUE 'INTERRUPTED';

-- AlterTable
ALTER TABLE "FamilyContact" ADD COLUMN     "removedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Confirmation" ADD COLUMN     "expiresAt" TIMESTAMP(3),
ADD COLUMN     "sessionId" INTEGER;

-- AlterTable
ALTER TABLE "StaffUser" ADD COLUMN     "passwordHash" TEXT;

-- AlterTable
ALTER TABLE "StaffTask" ADD COLUMN     "closedById" INTEGER,
ADD COLUMN     "outcome" TEXT;

-- CreateIndex
CREATE INDEX "StaffTask_assigneeId_status_idx" ON "StaffTask"("assigneeId", "status");

-- AddForeignKey
ALTER TABLE "StaffTask" ADD CONSTRAINT "StaffTask_closedById_fkey" FOREIGN KEY ("closedById") REFERENCES "StaffUser"("id") ON DELETE SET NULL ON UPDATE CASCADE;
